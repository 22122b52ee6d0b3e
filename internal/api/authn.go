package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/paddockhq/paddock/internal/api/identity"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
)

// authenticate resolves the caller from a bearer token or the session
// cookie. A bearer token that does not verify is refused at once; a stale
// cookie is ignored (the route's guard then decides). Cookie-authenticated
// unsafe requests must carry the CSRF header matching the CSRF cookie and,
// when the browser sends one, a same-origin Origin header.
func authenticate(svc *auth.Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if unsafe(r.Method) && !crossSiteCallback(r) {
				if err := checkOrigin(r); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
			}
			if h := r.Header.Get("Authorization"); h != "" {
				scheme, secret, _ := strings.Cut(h, " ")
				if !strings.EqualFold(scheme, "Bearer") {
					httpx.WriteError(w, r, httpx.Unauthorized("Authorization header must be 'Bearer <token>'"))
					return
				}
				p, err := svc.Authenticate(ctx, strings.TrimSpace(secret))
				if err != nil {
					httpx.WriteError(w, r, authError(err))
					return
				}
				if p.Token != nil && p.Token.Kind == model.TokenShell && !strings.HasPrefix(r.URL.Path, "/k8s/clusters/") {
					httpx.WriteError(w, r, httpx.Forbidden("a browser-shell credential works only through the Kubernetes proxy (/k8s/clusters/...)"))
					return
				}
				next.ServeHTTP(w, r.WithContext(withPrincipal(r, p)))
				return
			}
			c, err := r.Cookie(identity.SessionCookie)
			if err != nil || c.Value == "" || cliConfirm(r) {
				next.ServeHTTP(w, r)
				return
			}
			p, err := svc.Authenticate(ctx, c.Value)
			if err != nil {
				if errors.Is(err, auth.ErrInvalidToken) {
					next.ServeHTTP(w, r) // stale cookie: anonymous
					return
				}
				httpx.WriteError(w, r, err)
				return
			}
			p.ViaCookie = true
			if websocketUpgrade(r) {
				// Browsers always send Origin on a WebSocket and no CSRF header
				// can be added, so the Origin is the only proof the page is ours
				// (cross-site WebSocket hijacking, Rancher CVE-2019-13209).
				if r.Header.Get("Origin") == "" {
					httpx.WriteError(w, r, httpx.Forbidden("a cookie-authenticated WebSocket must carry this site's Origin"))
					return
				}
				if err := checkOrigin(r); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
			}
			if unsafe(r.Method) {
				if err := checkCSRF(r); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(r, p)))
		})
	}
}

func withPrincipal(r *http.Request, p *auth.Principal) context.Context {
	httpx.SetActor(r.Context(), p.User.Username, p.User.ID)
	return auth.WithPrincipal(r.Context(), p)
}

// flushOnChange empties the verified-token cache after every state change
// to users or tokens, so a revoked token or disabled user is refused by the
// very next request.
func flushOnChange(svc *auth.Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !unsafe(r.Method) || !changesCredentials(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			// Flush before the response leaves (the caller's next request
			// must already see the change) and again after the handler (a
			// lookup racing with the write may have cached the old state).
			next.ServeHTTP(&flushFirst{ResponseWriter: w, flush: svc.Flush}, r)
			svc.Flush()
		})
	}
}

func changesCredentials(path string) bool {
	for _, p := range []string{"/v1/users", "/v1/tokens", "/v1/auth/", "/v1/me", "/v1/access/apply"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// flushFirst empties the token cache just before the response starts.
type flushFirst struct {
	http.ResponseWriter
	flush func()
	done  bool
}

func (f *flushFirst) WriteHeader(code int) {
	if !f.done {
		f.done = true
		f.flush()
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *flushFirst) Write(b []byte) (int, error) {
	if !f.done {
		f.WriteHeader(http.StatusOK)
	}
	return f.ResponseWriter.Write(b)
}

func (f *flushFirst) Unwrap() http.ResponseWriter { return f.ResponseWriter }

func authError(err error) error {
	if errors.Is(err, auth.ErrInvalidToken) {
		return httpx.Unauthorized("invalid, expired or revoked token")
	}
	return err
}

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkOrigin refuses state-changing requests a browser sent from another
// origin (including login CSRF). Non-browser clients send no Origin.
func checkOrigin(r *http.Request) error {
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return httpx.Forbidden("cross-origin request refused (Origin %q)", origin)
		}
	}
	return nil
}

// websocketUpgrade tells a WebSocket handshake (exec, attach, port-forward,
// the browser shell).
func websocketUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Connection") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
			}
		}
	}
	return false
}

func checkCSRF(r *http.Request) error {
	c, err := r.Cookie(identity.CSRFCookie)
	header := r.Header.Get(identity.CSRFHeader)
	if err != nil || c.Value == "" || header == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(header)) != 1 {
		return httpx.Errorf(http.StatusForbidden, "csrf_failed",
			"cookie-authenticated requests that change state must send the %s header with the value of the %s cookie", identity.CSRFHeader, identity.CSRFCookie)
	}
	return nil
}

// crossSiteCallback is the one unsafe request another site legitimately
// sends: a SAML IdP posting its response to a provider's callback. It
// carries no credential of ours; the sealed login cookie, the request id
// it answers, the signature and the replay guard protect it.
func crossSiteCallback(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/auth/providers/")
	if !ok || r.Method != http.MethodPost {
		return false
	}
	name, tail, _ := strings.Cut(rest, "/")
	return name != "" && tail == "callback"
}

// cliConfirm is the confirmation form of a CLI sign-in: a public route a
// server-rendered page posts to, so it is served anonymously even when the
// browser also holds a session (whose CSRF header a form cannot send).
func cliConfirm(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/auth/providers/")
	_, tail, _ := strings.Cut(rest, "/")
	return ok && r.Method == http.MethodPost && tail == "cli-confirm"
}
