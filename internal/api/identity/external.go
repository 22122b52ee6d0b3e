package identity

import (
	"errors"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/signin"
)

// SetSessionCookies starts a browser session: the HttpOnly session cookie
// and the CSRF cookie the page echoes in a header. It returns the CSRF
// value.
func SetSessionCookies(w http.ResponseWriter, secret string, expires time.Time) string {
	csrf := randomString()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", Expires: expires,
		Secure: true, SameSite: http.SameSiteStrictMode})
	return csrf
}

// ProviderError maps a connector's error for the person signing in; the
// detail goes to the log through the error's cause.
func ProviderError(err error) error {
	switch {
	case errors.Is(err, idp.ErrUnavailable):
		return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "provider_unavailable",
			Message: "the identity provider cannot be reached; try again later", Cause: err}
	case errors.Is(err, idp.ErrRefused), errors.Is(err, idp.ErrBadCredentials):
		return &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "sign-in refused by Paddock or the identity provider", Cause: err}
	}
	return err
}

// SignInError maps the sign-in service's errors.
func SignInError(err error) error {
	switch {
	case errors.Is(err, signin.ErrNotAllowed):
		return httpx.Forbidden("your account at this identity provider is not allowed to sign in to Paddock")
	case errors.Is(err, signin.ErrUserDisabled):
		return httpx.Forbidden("your Paddock account is disabled")
	case errors.Is(err, signin.ErrNoProvider):
		return httpx.Invalid("%v", err)
	case errors.Is(err, signin.ErrDisabled), errors.Is(err, signin.ErrUnsupported):
		return httpx.Invalid("%v", err)
	}
	return ProviderError(err)
}
