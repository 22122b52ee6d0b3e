package auth

import (
	"context"

	"github.com/paddockhq/paddock/internal/model"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	User  *model.User
	Token *model.Token
	// ViaCookie is true when the token came from the session cookie (and so
	// the request needs CSRF protection).
	ViaCookie bool
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, or nil when anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
