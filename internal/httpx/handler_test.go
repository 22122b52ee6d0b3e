package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type sample struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, body, ctype string
		status            int
		want              string
	}{
		{"ok", `{"name":"a","count":2}`, "application/json", 0, ""},
		{"empty", ``, "", 400, "empty"},
		{"malformed", `{"name":`, "", 400, "unexpected end"},
		{"syntax", `{"name" "a"}`, "", 400, "malformed JSON at byte"},
		{"unknown field", `{"name":"a","admin":true}`, "", 400, `unknown field "admin"`},
		{"wrong type", `{"count":"x"}`, "", 400, `field "count" must be int`},
		{"not an object", `[1,2]`, "", 400, "must be a JSON"},
		{"trailing data", `{"name":"a"}{"name":"b"}`, "", 400, "single JSON value"},
		{"trailing garbage", `{"name":"a"} x`, "", 400, "malformed"},
		{"oversized", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "", 413, "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			w := httptest.NewRecorder()
			var v sample
			err := DecodeJSON(w, r, &v)
			if c.status == 0 {
				if err != nil || v.Name != "a" || v.Count != 2 {
					t.Fatalf("got %+v, %v", v, err)
				}
				return
			}
			he := AsError(err)
			if he.Status != c.status || !strings.Contains(he.Message, c.want) {
				t.Fatalf("got %d %q, want %d containing %q", he.Status, he.Message, c.status, c.want)
			}
		})
	}
}

func TestHandleWritesEnvelopeAndRecoversPanics(t *testing.T) {
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.Handle("GET /err", Handle(func(w http.ResponseWriter, r *http.Request) error { return Conflict("taken: %s", "x") }))
	mux.Handle("GET /boom", Handle(func(w http.ResponseWriter, r *http.Request) error { panic("kaboom") }))
	mux.Handle("GET /secret", Handle(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: 500, Code: "internal", Message: "internal server error"}
	}))
	h := Chain(mux, Observe(m), SecurityHeaders)
	for path, want := range map[string]int{"/err": 409, "/boom": 500} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		var body ErrorBody
		if w.Code != want || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error == "" || body.Message == "" {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "kaboom") {
			t.Fatalf("panic value leaked to client: %s", w.Body)
		}
		if w.Header().Get("X-Request-Id") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("missing headers: %v", w.Header())
		}
	}
	// Metrics are labelled by route pattern.
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(w.Body.String(), `paddock_http_requests_total{code="409",method="GET",route="GET /err"} 1`) {
		t.Fatalf("metrics missing request count:\n%s", w.Body)
	}
}

func TestRequestIDSanitised(t *testing.T) {
	h := Observe(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for id, keep := range map[string]bool{"abc-123": true, "evil\nid": false, strings.Repeat("a", 65): false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Request-Id", id)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("X-Request-Id"); (got == id) != keep || got == "" {
			t.Fatalf("id %q: got %q", id, got)
		}
	}
}
