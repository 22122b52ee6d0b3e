package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	// Every app route serves the page, with the page's policy.
	for _, p := range []string{"/", "/clusters", "/c/x/r/core/v1/pods", "/../../etc/passwd"} {
		w := get(p)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "<html") {
			t.Fatalf("%s: %d %.100s", p, w.Code, w.Body.String())
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: policy %q", p, csp)
		}
	}
	if w := get("/assets/does-not-exist.js"); Built() && w.Code != 404 {
		t.Fatalf("missing asset: %d", w.Code)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
}

// A built UI serves its hashed assets with long caching, and the page
// references only assets that exist.
func TestBuiltAssets(t *testing.T) {
	if !Built() {
		t.Skip("the UI is not built (make ui)")
	}
	h := Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	page := w.Body.String()
	for _, part := range strings.Split(page, `"/assets/`)[1:] {
		name := "/assets/" + part[:strings.IndexByte(part, '"')]
		r := httptest.NewRecorder()
		h.ServeHTTP(r, httptest.NewRequest("GET", name, nil))
		if r.Code != 200 || !strings.Contains(r.Header().Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %d %q", name, r.Code, r.Header().Get("Cache-Control"))
		}
	}
}
