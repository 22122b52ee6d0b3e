package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The token authenticator of the emulated clusters' apiservers: a
// TokenReview webhook (authentication.k8s.io/v1) that accepts EKS tokens
// exactly as aws-iam-authenticator verifies them.

// webhookPath is where the apiservers post TokenReviews, followed by the
// cluster's random key.
const webhookPath = "/_awsemu/authn/"

const (
	tokenPrefix     = "k8s-aws-v1."
	clusterIDHeader = "x-k8s-aws-id"
	maxTokenLen     = 4096
)

// The query parameters a token's URL may carry (lower-cased), as
// aws-iam-authenticator allows them.
var tokenParams = []string{"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
	"x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"}

func (e *Emulator) serveTokenReview(w http.ResponseWriter, r *http.Request, key string) {
	e.mu.Lock()
	cl := e.webhooks[key]
	e.mu.Unlock()
	if cl == nil || r.Method != http.MethodPost {
		http.Error(w, "no such cluster", http.StatusNotFound)
		return
	}
	var review authnv1.TokenReview
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &review)
	}
	if err != nil {
		http.Error(w, "malformed TokenReview: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := authnv1.TokenReview{TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"}}
	user, err := e.authenticate(cl, review.Spec.Token)
	if err != nil {
		out.Status.Error = err.Error()
		e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s: token rejected: %v", cl.name, err))
	} else {
		out.Status.Authenticated = true
		out.Status.User = *user
	}
	data, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// authenticate verifies an EKS bearer token for cl and maps its principal
// to a Kubernetes user: the cluster creator (with
// bootstrapClusterCreatorAdminPermissions) and principals added with
// MapPrincipal get their groups, anyone else none.
func (e *Emulator) authenticate(cl *cluster, token string) (*authnv1.UserInfo, error) {
	cred, accessKeyID, err := e.verifyToken(cl.name, token)
	if err != nil {
		return nil, err
	}
	canonical := canonicalARN(cred.ARN)
	e.mu.Lock()
	groups := slices.Clone(cl.access[canonical])
	if canonical == cl.creator && cl.creatorAdmin {
		groups = append(groups, "system:masters")
	}
	e.mu.Unlock()
	extra := map[string]authnv1.ExtraValue{
		"arn":          {cred.ARN},
		"canonicalArn": {canonical},
		"accessKeyId":  {accessKeyID},
		"principalId":  {principalID(cred.UserID)},
	}
	if s := sessionName(cred.ARN); s != "" {
		extra["sessionName"] = authnv1.ExtraValue{s}
	}
	return &authnv1.UserInfo{
		Username: cred.ARN,
		UID:      "aws-iam-authenticator:" + cred.AccountID + ":" + principalID(cred.UserID),
		Groups:   groups,
		Extra:    extra,
	}, nil
}

// verifyToken checks a "k8s-aws-v1." token: the presigned
// sts:GetCallerIdentity URL it encodes must point at this emulator, sign
// the x-k8s-aws-id header with the cluster's name, be at most 15 minutes
// old, and carry a valid signature of a known credential.
func (e *Emulator) verifyToken(clusterName, token string) (Credential, string, error) {
	if len(token) > maxTokenLen {
		return Credential{}, "", fmt.Errorf("token is too large")
	}
	encoded, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return Credential{}, "", fmt.Errorf("token is missing expected %q prefix", tokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return Credential{}, "", fmt.Errorf("token is not base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return Credential{}, "", fmt.Errorf("token is not a URL: %v", err)
	}
	// Real EKS insists on https and an AWS STS host; the emulator serves
	// STS itself, over http.
	if u.Scheme != "http" || u.Host != e.host {
		return Credential{}, "", fmt.Errorf("unexpected STS endpoint %s://%s in pre-signed URL (want %s)", u.Scheme, u.Host, e.url)
	}
	if u.Path != "/" {
		return Credential{}, "", fmt.Errorf("unexpected path %q in pre-signed URL", u.Path)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Credential{}, "", fmt.Errorf("malformed query parameter")
	}
	lower := url.Values{}
	for k, vs := range q {
		if !slices.Contains(tokenParams, strings.ToLower(k)) {
			return Credential{}, "", fmt.Errorf("non-whitelisted query parameter %q", k)
		}
		if len(vs) != 1 {
			return Credential{}, "", fmt.Errorf("query parameter with multiple values not supported")
		}
		lower.Set(strings.ToLower(k), vs[0])
	}
	if lower.Get("action") != "GetCallerIdentity" || lower.Get("version") != "2011-06-15" {
		return Credential{}, "", fmt.Errorf("unexpected action %q (version %q) in pre-signed URL", lower.Get("action"), lower.Get("version"))
	}
	if !slices.Contains(strings.Split(strings.ToLower(lower.Get("x-amz-signedheaders")), ";"), clusterIDHeader) {
		return Credential{}, "", fmt.Errorf("client did not sign the %s header in the pre-signed URL", clusterIDHeader)
	}
	if exp, err := strconv.Atoi(lower.Get("x-amz-expires")); err != nil || exp < 0 || exp > 900 {
		return Credential{}, "", fmt.Errorf("invalid X-Amz-Expires parameter in pre-signed URL: %q", lower.Get("x-amz-expires"))
	}
	date, err := time.Parse(amzDateFmt, lower.Get("x-amz-date"))
	if err != nil {
		return Credential{}, "", fmt.Errorf("X-Amz-Date parameter must be present and in the format %s", amzDateFmt)
	}
	if time.Now().After(date.Add(maxSkew)) {
		return Credential{}, "", fmt.Errorf("X-Amz-Date parameter is expired (15 minute expiration) %s", date)
	}
	// What aws-iam-authenticator does next is GET the URL from STS with the
	// cluster's name in x-k8s-aws-id; the emulator verifies it in-process.
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return Credential{}, "", err
	}
	req.Header.Set(clusterIDHeader, clusterName)
	sig, fail := parseSignature(req)
	if fail == nil && (sig == nil || !sig.presigned || sig.service != svcSTS) {
		fail = &authFailure{kind: authIncomplete, detail: "the URL is not a presigned sts request"}
	}
	if fail != nil {
		return Credential{}, "", fmt.Errorf("sts getCallerIdentity failed: %s", fail.as(svcSTS).Error())
	}
	cred, fail := e.verify(req, nil, sig)
	if fail != nil {
		return Credential{}, "", fmt.Errorf("sts getCallerIdentity failed: %s", fail.as(svcSTS).Error())
	}
	return cred, sig.accessKeyID, nil
}

// MapPrincipal lets principalARN (an IAM user or role ARN; an assumed-role
// session matches its role) into the cluster named clusterName with the
// given Kubernetes groups, as an EKS access entry would. It fails when no
// account has such a cluster.
func (e *Emulator) MapPrincipal(clusterName, principalARN string, groups ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	found := false
	for _, a := range e.accounts {
		if cl := a.clusters[clusterName]; cl != nil {
			cl.access[canonicalARN(principalARN)] = slices.Clone(groups)
			found = true
		}
	}
	if !found {
		return fmt.Errorf("awsemu: no cluster named %q", clusterName)
	}
	return nil
}
