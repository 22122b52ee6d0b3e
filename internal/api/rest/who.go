package rest

import (
	"errors"
	"net/http"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
)

// Who is the authenticated caller as access decisions see them (the zero
// Who for anonymous requests).
func Who(r *http.Request) access.Who {
	p := auth.PrincipalFrom(r.Context())
	if p == nil || p.User == nil {
		return access.Who{}
	}
	return access.WhoOf(p.User)
}

// AccessError maps an access refusal to 403 and other decision errors
// (unknown template, wrong context) to 422.
func AccessError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, access.ErrDenied) {
		return httpx.Forbidden("%s", err.Error())
	}
	return httpx.Invalid("%s", err.Error())
}
