package eks

import (
	"context"
	"encoding/base64"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Token format of aws-iam-authenticator (what `aws eks get-token` prints):
// "k8s-aws-v1." + the unpadded base64url of a presigned
// sts:GetCallerIdentity URL whose signature covers the x-k8s-aws-id header
// (the cluster's name, so a token for one cluster is refused by another).
// The authenticator accepts it for 15 minutes from its X-Amz-Date.
const (
	tokenPrefix     = "k8s-aws-v1."
	clusterIDHeader = "x-k8s-aws-id"
	// tokenExpiry is the presigned URL's X-Amz-Expires, in seconds, as
	// aws-iam-authenticator's own token generator sets it.
	tokenExpiry = "60"
	// TokenLifetime is how long the authenticator accepts a token.
	TokenLifetime = 15 * 60 // seconds
)

// token returns a bearer token for the EKS cluster named cluster.
func token(ctx context.Context, c *sts.Client, cluster string) (string, error) {
	presign := sts.NewPresignClient(c)
	req, err := presign.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(po *sts.PresignOptions) {
		po.ClientOptions = append(po.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue(clusterIDHeader, cluster),
				smithyhttp.SetHeaderValue("X-Amz-Expires", tokenExpiry))
		})
	})
	if err != nil {
		return "", explain(err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}
