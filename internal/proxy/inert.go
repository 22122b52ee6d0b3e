package proxy

import "net/http"

// InertPolicy is the Content-Security-Policy of every proxied response.
// Cluster content (a pod's or service's HTTP through .../proxy/, anything
// an agent answers) is served from Paddock's origin; in a browser it must
// never run script there or read the session's cookies: `sandbox` gives
// the document an opaque origin with scripts, forms and popups disabled.
const InertPolicy = "sandbox; default-src 'none'; frame-ancestors 'none'"

// inertResponse sets the inert policy and nosniff over whatever the
// cluster sent, at the moment the status is written.
type inertResponse struct {
	http.ResponseWriter
	wrote bool
}

func (w *inertResponse) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.ResponseWriter.Header()
		h.Set("Content-Security-Policy", InertPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *inertResponse) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush keeps watches and log follows streaming.
func (w *inertResponse) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *inertResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }
