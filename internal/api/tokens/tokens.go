// Package tokens owns the API of a user's own bearer tokens: list (with
// last use), create (shown once, TTL bounded by the configured maximum) and
// revoke.
package tokens

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the token routes.
type API struct {
	Auth  *auth.Service
	Store store.Store
	// DefaultTTL and MaxTTL are read at each request (run-time settings).
	DefaultTTL func() time.Duration
	MaxTTL     func() time.Duration
	Now        func() time.Time
	// CapTTL, when set, bounds a user's tokens further (0: no bound).
	CapTTL func(ctx context.Context, u *model.User) time.Duration
}

// Token is the public view of a token: never its secret or hash.
type Token struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Description string     `json:"description"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   time.Time  `json:"expiresAt"`
	LastUsedAt  *time.Time `json:"lastUsedAt,omitempty"`
	// Current marks the token this request was made with.
	Current bool `json:"current,omitempty"`
}

// CreateRequest asks for an API token.
type CreateRequest struct {
	Description string `json:"description,omitempty"`
	// TTL is a Go duration such as "720h"; empty means the default.
	TTL string `json:"ttl,omitempty"`
}

// Created is a new token; Token is shown only here.
type Created struct {
	Token
	Secret string `json:"token"`
}

// Routes lists the token routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/tokens", Tag: "tokens", Access: rest.Authenticated, Summary: "List the caller's unexpired tokens",
			Query: []rest.Param{{Name: "kind", Type: "string", Description: "api or session"}}, Response: rest.List[Token]{}, Handler: a.list},
		{Method: "POST", Path: "/v1/tokens", Audit: "token.create", Tag: "tokens", Access: rest.Authenticated, Summary: "Create an API token; the secret is returned once",
			Request: CreateRequest{}, Response: Created{}, Status: http.StatusCreated, Handler: a.create},
		{Method: "DELETE", Path: "/v1/tokens/{id}", Audit: "token.revoke", Tag: "tokens", Access: rest.Authenticated, Summary: "Revoke one of the caller's tokens (admins: any token)",
			Status: http.StatusNoContent, Handler: a.delete},
	}
}

func view(t *model.Token, current string) Token {
	v := Token{ID: t.ID, Kind: string(t.Kind), Description: t.Description, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Current: t.ID == current}
	if !t.LastUsedAt.IsZero() {
		lu := t.LastUsedAt
		v.LastUsedAt = &lu
	}
	return v
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	kind := model.TokenKind(r.URL.Query().Get("kind"))
	if kind != "" && kind != model.TokenAPI && kind != model.TokenSession {
		return httpx.BadRequest("kind must be api or session")
	}
	toks, err := a.Store.ListTokens(r.Context(), p.User.ID, kind, a.Now())
	if err != nil {
		return err
	}
	out := rest.List[Token]{Items: make([]Token, 0, len(toks))}
	for i := range toks {
		out.Items = append(out.Items, view(&toks[i], p.Token.ID))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "token.create", p.User.Username)
	if len(req.Description) > 256 {
		return httpx.Invalid("description must be at most 256 bytes")
	}
	ttl, maxTTL := a.DefaultTTL(), a.MaxTTL()
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			return httpx.Invalid("ttl %q must be a positive duration such as \"24h\"", req.TTL)
		}
		if d > maxTTL {
			return httpx.Invalid("ttl %s exceeds the maximum of %s", d, maxTTL)
		}
		ttl = d
	}
	if a.CapTTL != nil {
		if c := a.CapTTL(r.Context(), p.User); c > 0 && ttl > c {
			if req.TTL != "" {
				return httpx.Invalid("ttl %s: your identity provider cannot be asked again whether you still belong, "+
					"so your tokens last at most %s", ttl, c)
			}
			ttl = c
		}
	}
	secret, tok, err := a.Auth.IssueToken(r.Context(), p.User.ID, model.TokenAPI, req.Description, ttl)
	if err != nil {
		return rest.StoreError(err, "user")
	}
	audit.Annotate(r.Context(), "token.create", tok.ID)
	httpx.WriteJSON(w, http.StatusCreated, Created{Token: view(tok, ""), Secret: secret})
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	audit.Annotate(r.Context(), "token.revoke", id)
	tok, err := a.Store.GetToken(r.Context(), id)
	if err != nil || (tok.UserID != p.User.ID && !p.User.Admin) {
		// Someone else's token id reveals nothing: same answer as none.
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound("token not found")
		}
		return err
	}
	if err := a.Store.DeleteToken(r.Context(), id); err != nil {
		return rest.StoreError(err, "token")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
