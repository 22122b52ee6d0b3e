package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/paddockhq/paddock/internal/idp"
)

// keptState is the opaque state the caller keeps server-side between Begin
// and Finish.
type keptState struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Created  int64  `json:"createdAt"` // Unix seconds
}

// random returns n random bytes, base64url-encoded.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c *Connector) oauthConfig(d *discovered, callbackURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.s.ClientID,
		ClientSecret: c.clientSecret,
		Endpoint:     d.endpoint,
		RedirectURL:  callbackURL,
		Scopes:       c.s.Scopes,
	}
}

// Begin returns the provider's authorization URL (with state, nonce and
// an S256 code challenge) and the state to keep until Finish.
func (c *Connector) Begin(ctx context.Context, callbackURL string) (string, []byte, error) {
	if callbackURL == "" {
		return "", nil, errors.New("oidc: Begin: no callback URL")
	}
	d, err := c.provider(ctx)
	if err != nil {
		return "", nil, err
	}
	ks := keptState{
		State:    random(32),
		Nonce:    random(32),
		Verifier: oauth2.GenerateVerifier(),
		Created:  c.now().Unix(),
	}
	kept, err := json.Marshal(ks)
	if err != nil {
		return "", nil, err
	}
	authURL := c.oauthConfig(d, callbackURL).AuthCodeURL(ks.State,
		gooidc.Nonce(ks.Nonce), oauth2.S256ChallengeOption(ks.Verifier))
	return authURL, kept, nil
}

// refused wraps idp.ErrRefused with a reason.
func refused(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{idp.ErrRefused}, a...)...)
}

// Finish checks the callback against the kept state, exchanges the code
// (with the PKCE verifier), verifies the ID token and returns the
// identity it vouches for.
func (c *Connector) Finish(ctx context.Context, callbackURL string, r *http.Request, kept []byte) (*idp.Identity, error) {
	var ks keptState
	if err := json.Unmarshal(kept, &ks); err != nil || ks.State == "" || ks.Nonce == "" || ks.Verifier == "" {
		return nil, refused("kept state is unreadable")
	}
	if age := c.now().Sub(time.Unix(ks.Created, 0)); age > stateTTL || age < -time.Minute {
		return nil, refused("sign-in state expired (started %s ago)", age.Round(time.Second))
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return nil, refused("the provider returned %s: %s", e, q.Get("error_description"))
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(ks.State)) != 1 {
		return nil, refused("state mismatch")
	}
	code := q.Get("code")
	if code == "" {
		return nil, refused("the callback has no code")
	}
	d, err := c.provider(ctx)
	if err != nil {
		return nil, err
	}
	hctx := gooidc.ClientContext(ctx, c.client)
	tok, err := c.oauthConfig(d, callbackURL).Exchange(hctx, code, oauth2.VerifierOption(ks.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, refused("code exchange: %s %s", re.ErrorCode, re.ErrorDescription)
		}
		return nil, fmt.Errorf("%w: code exchange: %v", idp.ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, refused("the token response has no id_token")
	}
	idt, err := d.verifier.Verify(hctx, raw)
	if err != nil {
		return nil, refused("ID token: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ks.Nonce)) != 1 {
		return nil, refused("nonce mismatch")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, refused("ID token: %v", err)
		}
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return nil, refused("ID token claims: %v", err)
	}
	if c.s.UserinfoGroups {
		if err := c.mergeUserinfo(hctx, d, tok, idt.Subject, claims); err != nil {
			return nil, err
		}
	}
	return c.identity(idt.Subject, claims)
}

// mergeUserinfo adds the userinfo endpoint's groups to the claims and fills
// in claims the ID token lacks.
func (c *Connector) mergeUserinfo(ctx context.Context, d *discovered, tok *oauth2.Token, sub string, claims map[string]json.RawMessage) error {
	if d.doc.UserinfoURL == "" {
		return fmt.Errorf("%w: userinfoGroups is set but the provider has no userinfo_endpoint", ErrDiscovery)
	}
	ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("%w: userinfo: %v", idp.ErrUnavailable, err)
	}
	if ui.Subject != sub {
		return refused("userinfo is for subject %q, the ID token for %q", ui.Subject, sub)
	}
	var more map[string]json.RawMessage
	if err := ui.Claims(&more); err != nil {
		return refused("userinfo claims: %v", err)
	}
	for k, v := range more {
		if k == c.s.GroupsClaim {
			continue
		}
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	ig, err := groups(claims[c.s.GroupsClaim], c.s.GroupsClaim)
	if err != nil {
		return err
	}
	ug, err := groups(more[c.s.GroupsClaim], c.s.GroupsClaim)
	if err != nil {
		return err
	}
	merged, _ := json.Marshal(append(ig, ug...))
	claims[c.s.GroupsClaim] = merged
	return nil
}
