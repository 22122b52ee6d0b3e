// Package identity owns the API of signing in and of the signed-in user:
// login, logout, /v1/me and the password change, with the session and CSRF
// cookies a browser carries.
package identity

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/paddockhq/paddock/internal/api/apitypes"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/signin"
	"github.com/paddockhq/paddock/internal/store"
)

// Cookie and header names. The __Host- prefix makes browsers refuse these
// cookies unless set by this host over HTTPS with Path=/ and no Domain, so
// a sibling subdomain cannot plant them.
const (
	SessionCookie = "__Host-paddock_session"
	CSRFCookie    = "__Host-paddock_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// API serves the identity routes.
type API struct {
	Auth  *auth.Service
	Store store.Store
	// SignIn signs people in through identity providers (nil: local only).
	SignIn *signin.Service
	// Capabilities lists the global capabilities a user holds (nil: none
	// reported).
	Capabilities func(u *model.User) []string
}

// LoginRequest signs in with a password.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Provider is the identity provider; empty or "local" for a Paddock
	// password, else the name of a password provider (LDAP).
	Provider string `json:"provider,omitempty"`
}

// LoginResponse carries the session token (shown once) and the user.
type LoginResponse struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expiresAt"`
	CSRFToken string        `json:"csrfToken"`
	User      apitypes.User `json:"user"`
}

// PasswordRequest changes the caller's password.
type PasswordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// Routes lists the identity routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "POST", Path: "/v1/auth/login", Audit: "auth.login", Tag: "auth", Access: rest.Public, Summary: "Sign in with a username and password; returns a session token and sets the session cookie",
			Request: LoginRequest{}, Response: LoginResponse{}, Handler: a.login},
		{Method: "POST", Path: "/v1/auth/logout", Audit: "auth.logout", Tag: "auth", Access: rest.Authenticated, DuringPasswordChange: true, Summary: "Revoke the token used for this request and clear the session cookie",
			Status: http.StatusNoContent, Handler: a.logout},
		{Method: "GET", Path: "/v1/me", Tag: "auth", Access: rest.Authenticated, DuringPasswordChange: true, Summary: "The signed-in user",
			Response: Me{}, Handler: a.me},
		{Method: "POST", Path: "/v1/me/password", Audit: "user.password.change", Tag: "auth", Access: rest.Authenticated, DuringPasswordChange: true, Summary: "Change the signed-in user's password; ends their other sessions",
			Request: PasswordRequest{}, Status: http.StatusNoContent, Handler: a.changePassword},
	}
}

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var req LoginRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "auth.login", req.Username)
	if req.Username == "" || req.Password == "" || len(req.Username) > 256 || len(req.Password) > auth.MaxPasswordLen*4 {
		return httpx.Invalid("username and password are required")
	}
	external := req.Provider != "" && req.Provider != model.LocalProvider
	var (
		secret string
		u      *model.User
		tok    *model.Token
		err    error
	)
	if external {
		if a.SignIn == nil {
			return httpx.Invalid("unknown identity provider %q", req.Provider)
		}
		audit.Annotate(r.Context(), "auth.login", req.Provider+":"+req.Username)
		secret, u, tok, err = a.SignIn.Password(r.Context(), req.Provider, req.Username, req.Password, httpx.ClientIP(r))
	} else {
		if a.localDisabled(r) {
			// Only administrators may still use a Paddock password. Others
			// get the answer of a wrong password, checked or not, so the
			// endpoint cannot confirm a password that may be reused.
			if u, err := a.Store.GetUserByUsername(r.Context(), req.Username); err != nil || !u.Admin {
				return httpx.Unauthorized("invalid username or password")
			}
		}
		secret, u, tok, err = a.Auth.Login(r.Context(), req.Username, req.Password, httpx.ClientIP(r))
	}
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		e := httpx.Errorf(http.StatusTooManyRequests, "rate_limited", "%s", locked.Error())
		e.Header = http.Header{"Retry-After": {strconv.Itoa(int(locked.RetryAfter.Seconds()) + 1)}}
		return e
	case errors.Is(err, auth.ErrBadCredentials):
		return httpx.Unauthorized("invalid username or password")
	case err != nil && external:
		return SignInError(err)
	case err != nil:
		return err
	}
	httpx.SetActor(r.Context(), u.Username, u.ID)
	csrf := SetSessionCookies(w, secret, tok.ExpiresAt)
	httpx.WriteJSON(w, http.StatusOK, LoginResponse{Token: secret, ExpiresAt: tok.ExpiresAt, CSRFToken: csrf, User: apitypes.UserView(u)})
	return nil
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	audit.Annotate(r.Context(), "auth.logout", p.User.Username)
	if err := a.Store.DeleteToken(r.Context(), p.Token.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	clearCookies(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Me is the signed-in user and the global capabilities they hold (the web
// UI shows the pages they allow).
type Me struct {
	apitypes.User
	Capabilities []string `json:"capabilities"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	u := auth.PrincipalFrom(r.Context()).User
	out := Me{User: apitypes.UserView(u), Capabilities: []string{}}
	if a.Capabilities != nil {
		out.Capabilities = a.Capabilities(u)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	audit.Annotate(r.Context(), "user.password.change", p.User.Username)
	audit.OmitBody(r.Context())
	var req PasswordRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	err := a.Auth.ChangePassword(r.Context(), p.User.ID, req.Current, req.New)
	var policy *auth.PolicyError
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return httpx.Forbidden("the current password is wrong")
	case errors.As(err, &policy):
		return httpx.Invalid("%s", policy.Error())
	case err != nil:
		return rest.StoreError(err, "user")
	}
	if err := a.endOtherSessions(r, p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endOtherSessions revokes the user's login sessions except the one in use.
func (a *API) endOtherSessions(r *http.Request, p *auth.Principal) error {
	toks, err := a.Store.ListTokens(r.Context(), p.User.ID, model.TokenSession, time.Now())
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID == p.Token.ID {
			continue
		}
		if err := a.Store.DeleteToken(r.Context(), t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

func clearCookies(w http.ResponseWriter) {
	for _, name := range []string{SessionCookie, CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: name == SessionCookie, SameSite: http.SameSiteLaxMode})
	}
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// localDisabled reports whether an admin turned local passwords off.
func (a *API) localDisabled(r *http.Request) bool {
	p, err := a.Store.GetProvider(r.Context(), model.LocalProvider)
	return err == nil && !p.Enabled
}
