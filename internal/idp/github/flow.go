package github

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/paddockhq/paddock/internal/idp"
)

// keptState is what Begin hands the caller to keep until Finish.
type keptState struct {
	State     string    `json:"state"`
	Verifier  string    `json:"verifier"`
	CreatedAt time.Time `json:"createdAt"`
}

// Begin returns the authorize URL and the state to keep.
func (c *Connector) Begin(_ context.Context, callbackURL string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	ks := keptState{
		State:     base64.RawURLEncoding.EncodeToString(b),
		Verifier:  oauth2.GenerateVerifier(),
		CreatedAt: c.now(),
	}
	kept, err := json.Marshal(ks)
	if err != nil {
		return "", nil, err
	}
	u := c.oauth(callbackURL).AuthCodeURL(ks.State, oauth2.S256ChallengeOption(ks.Verifier))
	return u, kept, nil
}

// Finish checks the callback's state, exchanges its code and reads the
// person and their groups.
func (c *Connector) Finish(ctx context.Context, callbackURL string, r *http.Request, state []byte) (*idp.Identity, error) {
	var ks keptState
	if err := json.Unmarshal(state, &ks); err != nil || ks.State == "" {
		return nil, fmt.Errorf("%w: no valid sign-in state", idp.ErrRefused)
	}
	if age := c.now().Sub(ks.CreatedAt); age > maxStateAge || age < -time.Minute {
		return nil, fmt.Errorf("%w: sign-in state is %s old, outside 0..%s", idp.ErrRefused, age.Round(time.Second), maxStateAge)
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(ks.State)) != 1 {
		return nil, fmt.Errorf("%w: the state in the callback is not the one sent", idp.ErrRefused)
	}
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("%w: GitHub answered %s: %s", idp.ErrRefused, e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return nil, fmt.Errorf("%w: no code in the callback", idp.ErrRefused)
	}
	tok, err := c.exchange(ctx, callbackURL, code, ks.Verifier)
	if err != nil {
		return nil, err
	}
	return c.identity(ctx, tok)
}

func (c *Connector) exchange(ctx context.Context, callbackURL, code, verifier string) (string, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.client)
	tok, err := c.oauth(callbackURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", tokenError(err)
	}
	return tok.AccessToken, nil
}

// tokenError maps a code exchange failure: GitHub refusing the code or the
// client is ErrRefused; a 5xx or no answer is ErrUnavailable.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		detail := re.ErrorCode
		if re.ErrorDescription != "" {
			detail += ": " + re.ErrorDescription
		}
		if detail == "" {
			detail = fmt.Sprintf("HTTP %d", status)
		}
		if status >= 500 || status == http.StatusTooManyRequests {
			return fmt.Errorf("%w: GitHub token endpoint: %s", idp.ErrUnavailable, detail)
		}
		return fmt.Errorf("%w: GitHub refused the code exchange: %s", idp.ErrRefused, detail)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: GitHub token endpoint: %v", idp.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: GitHub token endpoint: %v", idp.ErrRefused, err)
}
