package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
)

// TestTokenReviewEndpoint checks the webhook's answers to what only a
// broken or hostile caller sends (the happy path and the rejections of
// real tokens run through a real apiserver in TestEKSEndToEnd).
func TestTokenReviewEndpoint(t *testing.T) {
	t.Parallel()
	e := Start(t, Options{NoKubernetes: true})
	cl := &cluster{name: "c", access: map[string][]string{}, webhookKey: "k"}
	e.mu.Lock()
	e.webhooks["k"] = cl
	e.mu.Unlock()
	post := func(key, body string) (int, authnv1.TokenReview) {
		resp, err := http.Post(e.URL()+webhookPath+key, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var r authnv1.TokenReview
		json.Unmarshal(data, &r)
		return resp.StatusCode, r
	}
	if status, _ := post("unknown", `{}`); status != http.StatusNotFound {
		t.Errorf("unknown cluster key: %d", status)
	}
	if status, _ := post("k", `{not json`); status != http.StatusBadRequest {
		t.Errorf("malformed review: %d", status)
	}
	for _, token := range []string{"", "k8s-aws-v1.", "k8s-aws-v1.aHR0cDovL2V4YW1wbGUuY29tLw", strings.Repeat("k", 5000),
		"k8s-aws-v1." + b64("http://"+e.host+"/?Action=GetCallerIdentity&Version=2011-06-15&Evil=1"),
		"k8s-aws-v1." + b64("http://"+e.host+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-SignedHeaders=host"),
		"k8s-aws-v1." + b64("http://"+e.host+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Expires=9999"),
		"k8s-aws-v1." + b64("http://"+e.host+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Expires=60&X-Amz-Date=20990101T000000Z"),
	} {
		status, r := post("k", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":`+jsonString(token)+`}}`)
		if status != http.StatusOK || r.Status.Authenticated || r.Status.Error == "" {
			t.Errorf("token %.60q: %d %+v", token, status, r.Status)
		}
	}
}

func b64(s string) string {
	return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(base64Std(s)), "=")
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
