package providers

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/paddockhq/paddock/internal/api/apitypes"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
)

// A browser sign-in started by `paddock login` ends at the CLI's loopback
// listener (always http://127.0.0.1:<port>, so no open redirect) with a
// code: the session sealed with the server key, bound to a challenge
// (SHA-256 of a verifier only the CLI holds) and valid for two minutes.
// Any replica can exchange it; an intercepted code is useless without the
// verifier.

var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

const cliCodeTTL = 2 * time.Minute

var cliAAD = []byte("paddock cli code")

type cliCode struct {
	Secret    string    `json:"s"`
	Expires   time.Time `json:"e"` // of the session
	Challenge string    `json:"c"`
	Until     time.Time `json:"u"` // of the code
}

func cliParams(r *http.Request) (port int, challenge string, ok bool, err error) {
	q := r.URL.Query()
	if q.Get("cli_port") == "" && q.Get("cli_challenge") == "" {
		return 0, "", false, nil
	}
	port, perr := strconv.Atoi(q.Get("cli_port"))
	challenge = q.Get("cli_challenge")
	if perr != nil || port < 1024 || port > 65535 || !challengeRE.MatchString(challenge) {
		return 0, "", false, httpx.Invalid("cli_port must be a port from 1024 and cli_challenge a base64url SHA-256")
	}
	return port, challenge, true, nil
}

func (a *API) toCLI(w http.ResponseWriter, r *http.Request, pend *pending, secret string, expires time.Time) error {
	plain, _ := json.Marshal(cliCode{Secret: secret, Expires: expires, Challenge: pend.CLIChallenge, Until: a.Now().Add(cliCodeTTL)})
	sealed, err := a.Sealer.Seal(plain, cliAAD)
	if err != nil {
		return err
	}
	target := fmt.Sprintf("http://127.0.0.1:%d/callback?code=%s", pend.CLIPort, url.QueryEscape(base64.RawURLEncoding.EncodeToString(sealed)))
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

// ExchangeRequest trades a CLI code for the session.
type ExchangeRequest struct {
	Code     string `json:"code"`
	Verifier string `json:"verifier"`
}

// ExchangeResponse is the session, as a password login returns it.
type ExchangeResponse struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expiresAt"`
	User      apitypes.User `json:"user"`
}

func (a *API) exchange(w http.ResponseWriter, r *http.Request) error {
	audit.OmitBody(r.Context()) // the code and verifier stay out of the log
	var req ExchangeRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	bad := httpx.Unauthorized("the sign-in code is invalid, expired, or not yours")
	sealed, err := base64.RawURLEncoding.DecodeString(req.Code)
	if err != nil || len(req.Verifier) < 43 || len(req.Verifier) > 128 {
		return bad
	}
	plain, err := a.Sealer.Open(sealed, cliAAD)
	if err != nil {
		return bad
	}
	var c cliCode
	if json.Unmarshal(plain, &c) != nil || !a.Now().Before(c.Until) {
		return bad
	}
	sum := sha256.Sum256([]byte(req.Verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.Challenge)) != 1 {
		return bad
	}
	p, err := a.Auth.Authenticate(r.Context(), c.Secret)
	if err != nil {
		return bad // the session was revoked meanwhile
	}
	audit.Annotate(r.Context(), "auth.cli.exchange", p.User.Username)
	httpx.SetActor(r.Context(), p.User.Username, p.User.ID)
	httpx.WriteJSON(w, http.StatusOK, ExchangeResponse{Token: c.Secret, ExpiresAt: c.Expires, User: apitypes.UserView(p.User)})
	return nil
}
