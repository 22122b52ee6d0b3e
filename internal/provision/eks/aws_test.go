package eks

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/paddockhq/paddock/internal/model"
)

var (
	testCred   = &model.CloudCredential{ID: "c", AccessKeyID: "AKIAEXAMPLE0000WXYZ", DefaultRegion: "eu-west-1"}
	testSecret = &model.CloudSecret{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: "session/token+="}
)

func TestTokenFormat(t *testing.T) {
	for _, endpoint := range []string{"", "http://127.0.0.1:4566"} {
		c := AWS{Endpoint: endpoint}.clients(testCred, testSecret, "eu-west-1")
		tok, err := token(t.Context(), c.sts, "prod-1234abcd")
		if err != nil {
			t.Fatal(err)
		}
		enc, ok := strings.CutPrefix(tok, "k8s-aws-v1.")
		if !ok || strings.ContainsAny(enc, "=+/") {
			t.Fatalf("token %q: want k8s-aws-v1. and unpadded base64url", tok)
		}
		raw, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		wantHost := "sts.eu-west-1.amazonaws.com"
		if endpoint != "" {
			wantHost = "127.0.0.1:4566"
		}
		q := u.Query()
		for k, want := range map[string]string{
			"Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
			"X-Amz-Expires": "60", "X-Amz-SignedHeaders": "host;x-k8s-aws-id", "X-Amz-Security-Token": testSecret.SessionToken,
		} {
			if q.Get(k) != want {
				t.Errorf("%s = %q, want %q (URL %s)", k, q.Get(k), want, raw)
			}
		}
		if u.Host != wantHost || u.Path != "/" {
			t.Errorf("URL %s: want host %s", raw, wantHost)
		}
		if cred := q.Get("X-Amz-Credential"); !strings.HasPrefix(cred, testCred.AccessKeyID+"/") ||
			!strings.HasSuffix(cred, "/eu-west-1/sts/aws4_request") {
			t.Errorf("X-Amz-Credential %q", cred)
		}
		if len(q.Get("X-Amz-Signature")) != 64 || strings.Contains(string(raw), testSecret.SecretAccessKey) {
			t.Errorf("signature %q (URL %s)", q.Get("X-Amz-Signature"), raw)
		}
	}
}

func TestExplain(t *testing.T) {
	op := func(svc, name, code, msg string) error {
		return &smithy.OperationError{ServiceID: svc, OperationName: name, Err: &smithy.GenericAPIError{Code: code, Message: msg}}
	}
	for err, want := range map[error]string{
		op("EKS", "CreateCluster", "AccessDeniedException", "User: u is not authorized to perform: eks:CreateCluster"):  "AWS refused eks:CreateCluster: User: u is not authorized to perform: eks:CreateCluster",
		op("EC2", "CreateVpc", "UnauthorizedOperation", "You are not authorized to perform this operation."):            "AWS refused ec2:CreateVpc: You are not authorized",
		op("IAM", "CreateRole", "AccessDenied", "not allowed"):                                                          "AWS refused iam:CreateRole: not allowed",
		op("STS", "GetCallerIdentity", "InvalidClientTokenId", "The security token included in the request is invalid"): "does not know the access key ID",
		op("STS", "GetCallerIdentity", "SignatureDoesNotMatch", "The request signature we calculated does not match"):   "the secret access key does not match",
		op("STS", "GetCallerIdentity", "ExpiredToken", "The security token included in the request is expired"):         "has expired",
		op("EKS", "CreateNodegroup", "InvalidParameterException", "bad subnets"):                                        "eks:CreateNodegroup failed: InvalidParameterException: bad subnets",
	} {
		if got := explain(err).Error(); !strings.Contains(got, want) {
			t.Errorf("explain(%v) = %q, want it to contain %q", err, got, want)
		}
	}
	if explain(nil) != nil {
		t.Error("explain(nil) is not nil")
	}
	nf := op("EC2", "DeleteSubnet", "InvalidSubnetID.NotFound", "gone")
	if !notFound(nf) || !notFound(fmt.Errorf("wrapped: %w", op("IAM", "GetRole", "NoSuchEntity", "x"))) || notFound(errors.New("x")) {
		t.Error("notFound")
	}
	if !roleNotReady(op("EKS", "CreateCluster", "InvalidParameterException", "Role with arn: arn:aws:iam::1:role/r, could not be assumed because it does not exist")) {
		t.Error("roleNotReady")
	}
}

// stsServer answers GetCallerIdentity with the responses in order (the
// last one repeats).
func stsServer(t *testing.T, responses ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+testCred.AccessKeyID+"/") {
			t.Errorf("request not signed with the stored key: %q", r.Header.Get("Authorization"))
		}
		responses[min(i, len(responses)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func stsError(status int, code, msg string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, msg)
	}
}

func stsOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId><Account>123456789012</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
}

func TestCallerIdentity(t *testing.T) {
	// Throttling is retried by the SDK.
	srv, calls := stsServer(t, stsError(400, "Throttling", "Rate exceeded"), stsOK)
	id, err := AWS{Endpoint: srv.URL}.CallerIdentity(t.Context(), testCred, testSecret)
	if err != nil || id.Account != "123456789012" || id.ARN != "arn:aws:iam::123456789012:user/alice" || calls.Load() != 2 {
		t.Fatalf("identity %+v, %v after %d calls", id, err, calls.Load())
	}
	for code, want := range map[string]string{
		"InvalidClientTokenId":  "AWS does not know the access key ID",
		"SignatureDoesNotMatch": "the secret access key does not match the access key ID",
		"ExpiredToken":          "the credential has expired",
		"AccessDenied":          "AWS refused sts:GetCallerIdentity: nope",
	} {
		srv, _ := stsServer(t, stsError(403, code, "nope"))
		_, err := AWS{Endpoint: srv.URL}.CallerIdentity(t.Context(), testCred, testSecret)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", code, err, want)
		}
	}
	// An endpoint nobody answers at.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err = AWS{Endpoint: "http://" + addr}.CallerIdentity(t.Context(), testCred, testSecret)
	if err == nil || !strings.Contains(err.Error(), "AWS is unreachable (sts:GetCallerIdentity)") {
		t.Errorf("unreachable: %v", err)
	}
}
