package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Token lifetimes of the credential plugin.
const (
	TokenTTL = time.Hour
	// MinRemaining is how long a cached token must still be valid to be
	// handed out.
	MinRemaining = 5 * time.Minute
	// TokenDescription names the plugin's tokens in GET /v1/tokens.
	TokenDescription = "kubectl credential (paddock credential)"
)

// CredentialOptions are the inputs of Credential.
type CredentialOptions struct {
	Server    string
	ConfigDir string
	// ExecInfo is $KUBERNETES_EXEC_INFO, set by client-go.
	ExecInfo string
	// Prompt asks for the password again when the session is over and
	// client-go says the plugin may interact (nil: never ask).
	Prompt Prompter
	// Parent is the process that runs the plugin (kubectl). Asked twice
	// by the same process, the plugin checks the cached token, which
	// kubectl found refused.
	Parent int
	Now    func() time.Time
	Out    io.Writer // the ExecCredential
	Log    io.Writer // notes for the person (never a secret)
}

// cached is the cache file.
type cached struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	// ServedTo is the parent process the token was last handed to.
	ServedTo int `json:"servedTo,omitempty"`
}

// ExecCredential is the plugin's answer to client-go.
type ExecCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     struct {
		Token               string `json:"token"`
		ExpirationTimestamp string `json:"expirationTimestamp"`
	} `json:"status"`
}

// ErrSessionExpired is wrapped by Credential when a new login is needed.
var ErrSessionExpired = errors.New("session expired")

// Credential prints an ExecCredential with a short-lived token: the
// cached one while it has more than MinRemaining left, else a new one
// created with the session. The cache file is flocked throughout, so
// concurrent kubectl runs create one token.
func Credential(ctx context.Context, o CredentialOptions) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	server, key, err := NormalizeServer(o.Server)
	if err != nil {
		return err
	}
	d := Dir(o.ConfigDir)
	sess, err := d.LoadSession(key)
	if errors.Is(err, ErrNoSession) {
		return fmt.Errorf("not signed in to %s — run: paddock login --server %s", server, server)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.CacheFile(key)), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(d.CacheFile(key), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f); err != nil {
		return fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	var c cached
	if data, err := io.ReadAll(f); err == nil && len(data) > 0 {
		_ = json.Unmarshal(data, &c) // a damaged cache is no cache
	}
	if c.Token == "" || c.ExpiresAt.Sub(o.Now()) <= MinRemaining || !stillGood(ctx, sess, &c, o.Parent) {
		tok, err := mint(ctx, d, key, sess, o)
		if err != nil {
			return err
		}
		c = cached{Token: tok.Token, ExpiresAt: tok.ExpiresAt}
	}
	c.ServedTo = o.Parent
	if err := rewrite(f, &c); err != nil {
		return err
	}
	var ec ExecCredential
	ec.APIVersion, ec.Kind = ExecAPIVersion, "ExecCredential"
	ec.Status.Token, ec.Status.ExpirationTimestamp = c.Token, c.ExpiresAt.UTC().Format(time.RFC3339)
	return json.NewEncoder(o.Out).Encode(&ec)
}

// stillGood says whether a cached token may be handed out. The same
// process asking again means it was refused (client-go re-runs the plugin
// after a 401): then the server is asked.
func stillGood(ctx context.Context, sess *Session, c *cached, parent int) bool {
	if parent <= 1 || c.ServedTo != parent {
		return true
	}
	client, err := clientFromFile(sess.CAFile)
	if err != nil {
		return false
	}
	err = (&api{server: sess.Server, http: client}).me(ctx, c.Token)
	return err == nil || !unauthorized(err)
}

func rewrite(f *os.File, c *cached) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(data, 0)
	return err
}

// mint creates a token with the session, signing in again when the
// session is over and a person is there to type the password.
func mint(ctx context.Context, d Dir, key string, sess *Session, o CredentialOptions) (*token, error) {
	client, err := clientFromFile(sess.CAFile)
	if err != nil {
		return nil, err
	}
	a := &api{server: sess.Server, http: client}
	tok, err := createToken(ctx, a, sess, o.Now())
	if err == nil || !errors.Is(err, ErrSessionExpired) {
		return tok, err
	}
	if o.Prompt == nil || !interactive(o.ExecInfo) {
		return nil, fmt.Errorf("%w — run: paddock login --server %s", ErrSessionExpired, sess.Server)
	}
	fmt.Fprintf(o.Log, "Your Paddock session on %s is over; sign in again as %s.\n", sess.Server, sess.Username)
	_, kind, err := chooseProvider(ctx, a, sess.Provider)
	if err != nil {
		return nil, err
	}
	var resp *loginResponse
	if kind == "redirect" {
		// kubectl shows our stderr: the URL to open is printed there.
		resp, err = browserLogin(ctx, a, sess.Provider, o.Log, nil)
	} else {
		password, perr := o.Prompt.Secret("Password for " + sess.Username + ": ")
		if perr != nil {
			return nil, fmt.Errorf("%w — run: paddock login --server %s", ErrSessionExpired, sess.Server)
		}
		resp, err = a.login(ctx, sess.Provider, sess.Username, password)
	}
	if err != nil {
		return nil, fmt.Errorf("signing in again: %w", err)
	}
	sess.Token, sess.ExpiresAt = resp.Token, resp.ExpiresAt
	if err := d.SaveSession(key, sess); err != nil {
		return nil, err
	}
	return createToken(ctx, a, sess, o.Now())
}

// createToken asks for a token that outlives neither TokenTTL nor the
// session.
func createToken(ctx context.Context, a *api, sess *Session, now time.Time) (*token, error) {
	ttl := min(TokenTTL, sess.ExpiresAt.Sub(now)).Truncate(time.Second)
	if ttl < time.Minute {
		return nil, ErrSessionExpired
	}
	tok, err := a.createToken(ctx, sess.Token, TokenDescription, ttl)
	if unauthorized(err) {
		return nil, ErrSessionExpired
	}
	if err != nil {
		return nil, fmt.Errorf("creating a kubectl token on %s: %w", sess.Server, err)
	}
	return tok, nil
}

// interactive reads spec.interactive of $KUBERNETES_EXEC_INFO.
func interactive(execInfo string) bool {
	var info struct {
		Spec struct {
			Interactive bool `json:"interactive"`
		} `json:"spec"`
	}
	return json.Unmarshal([]byte(execInfo), &info) == nil && info.Spec.Interactive
}
