package proxy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/proxy"
)

// http1 returns an HTTP/1.1 client trusting the proxy: HTTP/2 forbids
// connection-specific headers, and the point is to send them.
func (h *harness) http1() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(h.caPEM)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// do sends one request through the proxy at base (the harness's server
// when empty) and returns the status code and body.
func (h *harness) do(t *testing.T, c *http.Client, base, method, path, token string, hdr http.Header, body io.Reader) (int, []byte) {
	t.Helper()
	if base == "" {
		base = h.srv.URL
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const ssrPath = "/k8s/clusters/" + clusterID + "/apis/authentication.k8s.io/v1/selfsubjectreviews"

// whoami asks the cluster who it thinks the caller is.
func (h *harness) whoami(t *testing.T, token string, hdr http.Header) authnv1.UserInfo {
	t.Helper()
	body := `{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`
	code, b := h.do(t, h.http1(), "", "POST", ssrPath, token, hdr, strings.NewReader(body))
	if code != http.StatusCreated {
		t.Fatalf("selfsubjectreview: %d %s", code, b)
	}
	var r authnv1.SelfSubjectReview
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Status.UserInfo
}

func wantIdentity(t *testing.T, got authnv1.UserInfo, user string, groups ...string) {
	t.Helper()
	if got.Username != user || !reflect.DeepEqual(got.Groups, groups) || got.UID != "" || len(got.Extra) != 0 {
		t.Fatalf("cluster saw %+v, want user %q groups %q and nothing else", got, user, groups)
	}
}

func testIdentity(t *testing.T, h *harness) {
	wantIdentity(t, h.whoami(t, "admin-token", nil), "paddock:user:u-admin",
		proxy.GroupAuthenticated, proxy.GroupAdmins, "system:authenticated")
	wantIdentity(t, h.whoami(t, "alice-token", nil), "paddock:user:u-alice",
		proxy.GroupAuthenticated, "system:authenticated")
	// client-go (HTTP/2, protobuf-capable) sees the same.
	r, err := h.client(t, "alice-token").AuthenticationV1().SelfSubjectReviews().Create(context.Background(),
		&authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, r.Status.UserInfo, "paddock:user:u-alice", proxy.GroupAuthenticated, "system:authenticated")
}

func testSmuggling(t *testing.T, h *harness) {
	cases := map[string]http.Header{
		"user":                  {"Impersonate-User": {"system:admin"}},
		"group":                 {"Impersonate-Group": {"system:masters", "paddock:admins"}},
		"extra":                 {"Impersonate-Extra-Scopes": {"x"}},
		"uid":                   {"Impersonate-Uid": {"1234"}},
		"user-uid-extra":        {"Impersonate-User": {"system:admin"}, "Impersonate-Uid": {"1"}, "Impersonate-Extra-A": {"b"}},
		"lower-case":            {"impersonate-user": {"system:admin"}, "impersonate-group": {"system:masters"}},
		"connection-only":       {"Connection": {"Impersonate-User"}},
		"connection-and-header": {"Connection": {"Impersonate-User"}, "Impersonate-User": {"system:admin"}},
		"connection-group":      {"Connection": {"keep-alive, Impersonate-Group"}, "Impersonate-Group": {"system:masters"}},
		"connection-lower":      {"Connection": {"impersonate-user, impersonate-group"}},
		"remote-user":           {"X-Remote-User": {"system:admin"}, "X-Remote-Group": {"system:masters"}},
	}
	for name, hdr := range cases {
		t.Run(name, func(t *testing.T) {
			wantIdentity(t, h.whoami(t, "alice-token", hdr), "paddock:user:u-alice",
				proxy.GroupAuthenticated, "system:authenticated")
		})
	}
}

// testUpgradeIdentity smuggles headers into an exec upgrade: alice may not
// exec, and the apiserver must say so for her, whatever she claims.
func testUpgradeIdentity(t *testing.T, h *harness) {
	hdr := http.Header{
		"Connection":                {"Upgrade, Impersonate-User"},
		"Upgrade":                   {"SPDY/3.1"},
		"X-Stream-Protocol-Version": {"v4.channel.k8s.io"},
		"Impersonate-User":          {"system:admin"},
		"Impersonate-Group":         {"system:masters"},
	}
	path := "/k8s/clusters/" + clusterID + "/api/v1/namespaces/default/pods/" + podName + "/exec?command=id&stdout=true"
	const denied = `User \"paddock:user:u-alice\" cannot create resource \"pods/exec\"`
	code, body := h.do(t, h.http1(), "", "POST", path, "alice-token", hdr, nil)
	if code != http.StatusForbidden || !strings.Contains(string(body), denied) {
		t.Fatalf("exec upgrade as alice: %d %s", code, body)
	}

	// With the session cookie, only the UI's own origin may open upgrades.
	hdr["Cookie"] = []string{"paddock_session=alice-cookie"}
	hdr["Origin"] = []string{"https://evil.example"}
	code, body = h.do(t, h.http1(), "", "GET", path, "", hdr, nil)
	wantStatus(t, code, body, http.StatusForbidden, metav1.StatusReasonForbidden)
	hdr["Origin"] = []string{h.srv.URL}
	code, body = h.do(t, h.http1(), "", "GET", path, "", hdr, nil)
	if code != http.StatusForbidden || !strings.Contains(string(body), `User \"paddock:user:u-alice\" cannot get resource \"pods/exec\"`) {
		t.Fatalf("same-origin exec upgrade with alice's cookie: %d %s", code, body)
	}
}

// wantStatus checks a Status written by Paddock.
func wantStatus(t *testing.T, code int, body []byte, wantCode int, reason metav1.StatusReason) {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("%d %s: %v", code, body, err)
	}
	if code != wantCode || st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure ||
		st.Reason != reason || st.Code != int32(wantCode) || !strings.HasPrefix(st.Message, "paddock: ") && reason != metav1.StatusReasonUnauthorized {
		t.Fatalf("got %d %s, want a %d %s Status from paddock", code, body, wantCode, reason)
	}
}

func testErrors(t *testing.T, h *harness) {
	c := h.http1()
	cmPath := "/k8s/clusters/" + clusterID + "/api/v1/namespaces/default/configmaps"
	for _, tc := range []struct {
		name, method, path, token string
		body                      io.Reader
		code                      int
		reason                    metav1.StatusReason
	}{
		{"no-token", "GET", cmPath, "", nil, 401, metav1.StatusReasonUnauthorized},
		{"bad-token", "GET", cmPath, "mallory", nil, 401, metav1.StatusReasonUnauthorized},
		{"bob", "GET", cmPath, "bob-token", nil, 403, metav1.StatusReasonForbidden},
		{"bob-upgrade", "GET", cmPath, "bob-token", nil, 403, metav1.StatusReasonForbidden},
		{"unknown-cluster", "GET", "/k8s/clusters/nope/api", "admin-token", nil, 404, metav1.StatusReasonNotFound},
		{"no-cluster", "GET", "/k8s/clusters/", "admin-token", nil, 404, metav1.StatusReasonNotFound},
		{"offline", "GET", "/k8s/clusters/" + offlineID + "/api", "admin-token", nil, 503, metav1.StatusReasonServiceUnavailable},
		{"too-large", "POST", cmPath, "admin-token", bytes.NewReader(make([]byte, proxy.DefaultMaxBodyBytes+1)),
			413, metav1.StatusReasonRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr http.Header
			if strings.HasSuffix(tc.name, "-upgrade") {
				hdr = http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}
			}
			code, body := h.do(t, c, "", tc.method, tc.path, tc.token, hdr, tc.body)
			wantStatus(t, code, body, tc.code, tc.reason)
		})
	}
	t.Run("too-large-chunked", func(t *testing.T) {
		// A body of unknown length is cut off while it streams to the
		// cluster; a small limit keeps it below the apiserver's own.
		opts := h.opts
		opts.MaxBodyBytes = 1024
		srv := httptest.NewTLSServer(testAuthn(proxy.New(opts)))
		defer srv.Close()
		cm := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"` + strings.Repeat("x", 4096) + `"}}`
		code, body := h.do(t, srv.Client(), srv.URL, "POST", cmPath, "admin-token", nil,
			io.MultiReader(strings.NewReader(cm))) // not a *strings.Reader: no Content-Length
		wantStatus(t, code, body, 413, metav1.StatusReasonRequestEntityTooLarge)
		code, body = h.do(t, srv.Client(), srv.URL, "GET", cmPath+"/big", "admin-token", nil, nil)
		if code != http.StatusNotFound {
			t.Fatalf("the cut-off create reached the cluster: %d %s", code, body)
		}
	})
}

// testInert: cluster content is served from Paddock's origin, so it must
// never run script there. Every proxied response carries a sandboxing
// policy (overriding the cluster's own), and a page navigated to with the
// session cookie is refused (a pod or service could serve HTML that reads
// the CSRF cookie and calls the API as the victim).
func testInert(t *testing.T, h *harness) {
	get := func(hdr http.Header) *http.Response {
		req, _ := http.NewRequest("GET", h.srv.URL+"/k8s/clusters/"+clusterID+"/version", nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := h.http1().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get(http.Header{"Authorization": {"Bearer admin-token"}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != proxy.InertPolicy ||
		len(resp.Header.Values("Content-Security-Policy")) != 1 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("proxied response: %d %v", resp.StatusCode, resp.Header)
	}
	cookie := http.Header{"Cookie": {"paddock_session=alice-cookie"}}
	if resp := get(cookie); resp.StatusCode != 200 {
		t.Fatalf("the UI's fetch with the cookie: %d", resp.StatusCode)
	}
	cookie["Sec-Fetch-Mode"] = []string{"navigate"}
	if resp := get(cookie); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a navigation with the session cookie: %d", resp.StatusCode)
	}
	// A bearer client (kubectl) is not a browser page: unaffected.
	if resp := get(http.Header{"Authorization": {"Bearer admin-token"}, "Sec-Fetch-Mode": {"navigate"}}); resp.StatusCode != 200 {
		t.Fatalf("bearer with Sec-Fetch-Mode: %d", resp.StatusCode)
	}
}
