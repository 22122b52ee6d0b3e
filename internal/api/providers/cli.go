package providers

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
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

// cliGrant is a finished browser sign-in waiting for the person to
// confirm that it is for their own command-line tool.
type cliGrant struct {
	Code     cliCode `json:"c"`
	Port     int     `json:"p"`
	Username string  `json:"u"`
}

var grantAAD = []byte("paddock cli grant")

// toCLI does not hand the session to the loopback port at once: anyone
// could have started this sign-in with their own port and challenge and
// sent the link (another user of the same machine listening on that port).
// The person confirms, on a page of this server, that they are signing in
// their own `paddock login`.
func (a *API) toCLI(w http.ResponseWriter, r *http.Request, pend *pending, secret string, expires time.Time, username string) error {
	g := cliGrant{Code: cliCode{Secret: secret, Expires: expires, Challenge: pend.CLIChallenge, Until: a.Now().Add(cliCodeTTL)},
		Port: pend.CLIPort, Username: username}
	plain, _ := json.Marshal(g)
	sealed, err := a.Sealer.Seal(plain, grantAAD)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return confirmPage.Execute(w, map[string]any{"Provider": r.PathValue("name"), "Port": g.Port, "Username": username,
		"Grant": base64.RawURLEncoding.EncodeToString(sealed)})
}

var confirmPage = template.Must(template.New("confirm").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Paddock — sign in the command-line tool?</title></head>
<body>
<h1>Sign in the Paddock command-line tool?</h1>
<p>You signed in with <b>{{.Provider}}</b> as <b>{{.Username}}</b>. A <code>paddock login</code> on this computer
(listening on port {{.Port}}) asks for your session.</p>
<p><b>Continue only if you just ran <code>paddock login</code> yourself.</b> If someone sent you a link, cancel:
continuing would give them your access.</p>
<form method="post" action="cli-confirm"><input type="hidden" name="grant" value="{{.Grant}}">
<button type="submit">Continue: sign in my command-line tool</button></form>
<p><a href="/">Cancel</a></p>
</body></html>
`))

// confirm hands a confirmed sign-in to the CLI's loopback listener.
func (a *API) confirm(w http.ResponseWriter, r *http.Request) error {
	audit.OmitBody(r.Context())
	bad := httpx.Unauthorized("this confirmation is invalid or expired; run paddock login again")
	if err := r.ParseForm(); err != nil {
		return bad
	}
	sealed, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("grant"))
	if err != nil {
		return bad
	}
	plain, err := a.Sealer.Open(sealed, grantAAD)
	if err != nil {
		return bad
	}
	var g cliGrant
	if json.Unmarshal(plain, &g) != nil || !a.Now().Before(g.Code.Until) || g.Port < 1024 || g.Port > 65535 {
		return bad
	}
	audit.Annotate(r.Context(), "auth.cli.confirm", g.Username)
	code, _ := json.Marshal(g.Code)
	sealedCode, err := a.Sealer.Seal(code, cliAAD)
	if err != nil {
		return err
	}
	target := fmt.Sprintf("http://127.0.0.1:%d/callback?code=%s", g.Port, url.QueryEscape(base64.RawURLEncoding.EncodeToString(sealedCode)))
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
