package eks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/paddockhq/paddock/internal/model"
)

// AWS says how to reach AWS. The zero value is production: the real
// endpoints, only the stored credential (never ~/.aws, the environment or
// an instance role: the configuration is built here, not loaded).
type AWS struct {
	// Endpoint, when set, replaces the endpoint of every service (STS,
	// EKS, EC2, IAM): an emulator in tests.
	Endpoint string
	// HTTPClient sends the requests (nil: the SDK's).
	HTTPClient *http.Client
}

// Attempts of one call, the SDK's own retries included (throttling, 5xx,
// timeouts): provisioning outlasts a throttling storm, a test the user
// waits for answers sooner.
const (
	maxAttempts  = 8
	testAttempts = 3
)

// clients are the AWS API clients of one credential in one region.
type clients struct {
	region string
	sts    *sts.Client
	eks    *eks.Client
	ec2    *ec2.Client
	iam    *iam.Client
}

// config builds the SDK configuration of a credential in a region.
func (o AWS) config(c *model.CloudCredential, s *model.CloudSecret, region string, attempts int) aws.Config {
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			c.AccessKeyID, s.SecretAccessKey, s.SessionToken)),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = 10 * time.Second
				// A throttling storm must not exhaust a client-side
				// budget and fail calls the backoff would carry through.
				so.RateLimiter = ratelimit.None
			})
		},
		AppID: "paddock",
	}
	if o.HTTPClient != nil {
		cfg.HTTPClient = o.HTTPClient
	}
	if o.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(o.Endpoint)
	}
	return cfg
}

func (o AWS) clients(c *model.CloudCredential, s *model.CloudSecret, region string) *clients {
	cfg := o.config(c, s, region, maxAttempts)
	return &clients{region: region, sts: sts.NewFromConfig(cfg), eks: eks.NewFromConfig(cfg),
		ec2: ec2.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
}

// Identity is who AWS says a credential is.
type Identity struct {
	Account string
	ARN     string
}

// CallerIdentity asks STS who the credential is (in its default region,
// else us-east-1), with errors a person can act on.
func (o AWS) CallerIdentity(ctx context.Context, c *model.CloudCredential, s *model.CloudSecret) (*Identity, error) {
	region := c.DefaultRegion
	if region == "" {
		region = "us-east-1"
	}
	out, err := sts.NewFromConfig(o.config(c, s, region, testAttempts)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, explain(err)
	}
	return &Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}, nil
}

// explain turns an AWS error into one that says what is wrong: a refused
// action names it ("AWS refused eks:CreateCluster: …"), credential problems
// say which part is wrong, an unreachable endpoint says so.
func explain(err error) error {
	if err == nil {
		return nil
	}
	var op *smithy.OperationError
	action := "the request"
	if errors.As(err, &op) {
		action = strings.ToLower(op.ServiceID) + ":" + op.OperationName
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorMessage()
		switch api.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "Forbidden":
			return fmt.Errorf("AWS refused %s: %s", action, msg)
		case "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure", "InvalidAccessKeyId":
			return fmt.Errorf("AWS does not know the access key ID (%s: %s)", api.ErrorCode(), msg)
		case "SignatureDoesNotMatch", "IncompleteSignature":
			return fmt.Errorf("the secret access key does not match the access key ID (%s: %s)", api.ErrorCode(), msg)
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
			return fmt.Errorf("the credential has expired; store a new session token (%s: %s)", api.ErrorCode(), msg)
		}
		return fmt.Errorf("%s failed: %s: %s", action, api.ErrorCode(), msg)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Errorf("AWS is unreachable (%s): %v", action, dns)
	}
	var oerr *net.OpError
	if errors.As(err, &oerr) {
		return fmt.Errorf("AWS is unreachable (%s): %v", action, oerr)
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return fmt.Errorf("AWS is unreachable (%s): %v", action, nerr)
	}
	return fmt.Errorf("%s failed: %w", action, err)
}

// code is the AWS error code of err ("" when none).
func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// notFound reports an AWS "no such thing" error.
func notFound(err error) bool {
	switch c := code(err); {
	case c == "ResourceNotFoundException", c == "NoSuchEntity":
		return true
	case strings.HasPrefix(c, "Invalid") && strings.HasSuffix(c, ".NotFound"): // ec2: InvalidVpcID.NotFound, …
		return true
	}
	return false
}
