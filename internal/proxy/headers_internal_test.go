package proxy

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestSanitize(t *testing.T) {
	h := http.Header{
		"Connection":               {"keep-alive, X-Secret", "Impersonate-User"},
		"X-Secret":                 {"s"},
		"Impersonate-User":         {"system:admin"},
		"impersonate-group":        {"system:masters"},
		"Impersonate-Uid":          {"1"},
		"Impersonate-Extra-Scopes": {"x"},
		"X-Remote-User":            {"system:admin"},
		"Authorization":            {"Bearer paddock-secret"},
		"Cookie":                   {"paddock_session=secret"},
		"Proxy-Authorization":      {"Basic x"},
		"X-Forwarded-For":          {"6.6.6.6"},
		"Forwarded":                {"for=6.6.6.6"},
		"Upgrade":                  {"websocket"},
		"Accept":                   {"application/json"},
		"User-Agent":               {"kubectl"},
	}
	sanitize(h, false)
	want := http.Header{"Accept": {"application/json"}, "User-Agent": {"kubectl"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("sanitized to %v, want %v", h, want)
	}

	h = http.Header{
		"Connection":       {"Upgrade, Impersonate-User"},
		"Upgrade":          {"SPDY/3.1"},
		"Impersonate-User": {"system:admin"},
	}
	sanitize(h, true)
	setIdentity(h, "paddock:user:1", []string{"a", "b"})
	want = http.Header{
		"Connection":        {"Upgrade"},
		"Upgrade":           {"SPDY/3.1"},
		"Impersonate-User":  {"paddock:user:1"},
		"Impersonate-Group": {"a", "b"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("sanitized upgrade to %v, want %v", h, want)
	}
}

func TestPaths(t *testing.T) {
	base, _ := url.Parse("https://10.0.0.1:6443/prefix/")
	for _, tc := range []struct {
		in, id, rest, path, rawPath string
		ok                          bool
	}{
		{"/k8s/clusters/c1/api/v1/pods?watch=1", "c1", "/api/v1/pods", "/prefix/api/v1/pods", "", true},
		{"/k8s/clusters/c1", "c1", "/", "/prefix/", "", true},
		{"/k8s/clusters/c%2F1/api", "c/1", "/api", "/prefix/api", "", true},
		{"/k8s/clusters/c1/api/v1/namespaces/a%2Fb/x", "c1", "/api/v1/namespaces/a%2Fb/x",
			"/prefix/api/v1/namespaces/a/b/x", "/prefix/api/v1/namespaces/a%2Fb/x", true},
		{"/k8s/clusters/", "", "", "", "", false},
		{"/k8s/other/c1/api", "", "", "", "", false},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		id, rest, ok := splitPath(u)
		if id != tc.id || rest != tc.rest || ok != tc.ok {
			t.Errorf("splitPath(%q) = %q, %q, %v", tc.in, id, rest, ok)
			continue
		}
		if !ok {
			continue
		}
		path, rawPath := joinPath(base, rest)
		if path != tc.path || rawPath != tc.rawPath {
			t.Errorf("joinPath(%q) = %q, %q; want %q, %q", rest, path, rawPath, tc.path, tc.rawPath)
		}
	}
}
