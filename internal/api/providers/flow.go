package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/api/identity"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/signin"
)

// loginCookie carries a pending browser sign-in, sealed (AES-GCM) so the
// browser can neither read nor change it. SameSite=None: a SAML IdP
// returns with a cross-site POST.
const loginCookie = "__Host-paddock_login"

const pendingTTL = 10 * time.Minute

type pending struct {
	Provider string    `json:"p"`
	State    []byte    `json:"s"`
	Return   string    `json:"r"`
	Expires  time.Time `json:"e"`
	// CLIPort and CLIChallenge are set when `paddock login` started the
	// sign-in: the session goes to its loopback listener as a sealed code
	// only the holder of the challenge's verifier can exchange.
	CLIPort      int    `json:"cp,omitempty"`
	CLIChallenge string `json:"cc,omitempty"`
}

var sealAAD = []byte("paddock login state")

// safeReturn keeps a sign-in's return target on this site: a path, never
// "//host", never a backslash, never a control character (browsers drop
// tabs and newlines, so "/\t/evil.example" would become "//evil.example").
func safeReturn(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") ||
		strings.IndexFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) >= 0 {
		return "/"
	}
	return s
}

func (a *API) redirectConnector(r *http.Request, name string) (*model.Provider, idp.RedirectConnector, error) {
	p, conn, err := a.SignIn.Connector(r.Context(), name)
	if errors.Is(err, signin.ErrNoProvider) {
		return nil, nil, httpx.NotFound("no identity provider %q", name)
	}
	if err != nil {
		return nil, nil, err
	}
	if !p.Enabled {
		return nil, nil, httpx.Invalid("identity provider %q is disabled", name)
	}
	rc, ok := conn.(idp.RedirectConnector)
	if !ok {
		return nil, nil, httpx.Invalid("identity provider %q signs in with a password: POST /v1/auth/login", name)
	}
	return p, rc, nil
}

func (a *API) begin(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	p, rc, err := a.redirectConnector(r, name)
	if err != nil {
		return err
	}
	authURL, state, err := rc.Begin(r.Context(), a.callbackURL(p.Name))
	if err != nil {
		return identity.ProviderError(err)
	}
	pend := pending{Provider: p.Name, State: state, Return: safeReturn(r.URL.Query().Get("return")), Expires: a.Now().Add(pendingTTL)}
	if port, challenge, ok, err := cliParams(r); err != nil {
		return err
	} else if ok {
		pend.CLIPort, pend.CLIChallenge = port, challenge
	}
	plain, _ := json.Marshal(pend)
	sealed, err := a.Sealer.Seal(plain, sealAAD)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(pendingTTL.Seconds()), HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

func (a *API) callback(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "auth.login", name)
	p, rc, err := a.redirectConnector(r, name)
	if err != nil {
		return err
	}
	pend, err := a.openPending(r, p.Name)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
	if err != nil {
		return err
	}
	id, err := rc.Finish(r.Context(), a.callbackURL(p.Name), r, pend.State)
	if err != nil {
		return identity.ProviderError(err)
	}
	secret, u, tok, err := a.SignIn.Complete(r.Context(), p, id)
	if err != nil {
		return identity.SignInError(err)
	}
	audit.Annotate(r.Context(), "auth.login", p.Name+":"+u.Username)
	httpx.SetActor(r.Context(), u.Username, u.ID)
	if pend.CLIPort != 0 {
		return a.toCLI(w, r, pend, secret, tok.ExpiresAt, u.Username)
	}
	identity.SetSessionCookies(w, secret, tok.ExpiresAt)
	http.Redirect(w, r, pend.Return, http.StatusFound)
	return nil
}

func (a *API) openPending(r *http.Request, provider string) (*pending, error) {
	bad := httpx.Unauthorized("this sign-in was not started here or took too long; start again")
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return nil, bad
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil, bad
	}
	plain, err := a.Sealer.Open(sealed, sealAAD)
	if err != nil {
		return nil, bad
	}
	var p pending
	if json.Unmarshal(plain, &p) != nil || p.Provider != provider || !a.Now().Before(p.Expires) {
		return nil, bad
	}
	return &p, nil
}

func (a *API) metadata(w http.ResponseWriter, r *http.Request) error {
	_, conn, err := a.SignIn.Connector(r.Context(), r.PathValue("name"))
	if errors.Is(err, signin.ErrNoProvider) {
		return httpx.NotFound("no identity provider %q", r.PathValue("name"))
	}
	if err != nil {
		return err
	}
	ms, ok := conn.(idp.MetadataServer)
	if !ok {
		return httpx.NotFound("this provider has no metadata")
	}
	body, ctype, err := ms.Metadata(a.callbackURL(r.PathValue("name")))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	_, err = w.Write(body)
	return err
}

// TestRequest optionally tries a sign-in.
type TestRequest struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// TestResult reports each step.
type TestResult struct {
	OK       bool       `json:"ok"`
	Steps    []TestStep `json:"steps"`
	Username string     `json:"username,omitempty"`
	Groups   []string   `json:"groups,omitempty"`
}

// TestStep is one check and its precise error.
type TestStep struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func (a *API) test(w http.ResponseWriter, r *http.Request) error {
	var req TestRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "provider.test", name)
	_, conn, err := a.SignIn.Connector(r.Context(), name)
	if errors.Is(err, signin.ErrNoProvider) {
		return httpx.NotFound("no identity provider %q", name)
	}
	if err != nil {
		return httpx.Invalid("%v", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	res := TestResult{OK: true}
	step := func(n string, err error) {
		s := TestStep{Name: n, OK: err == nil}
		if err != nil {
			s.Error, res.OK = err.Error(), false
		}
		res.Steps = append(res.Steps, s)
	}
	if c, ok := conn.(idp.Checker); ok {
		step("connection", c.Check(ctx))
	}
	if req.Username != "" {
		pc, ok := conn.(idp.PasswordConnector)
		if !ok {
			step("sign-in", errors.New("this provider signs in through the browser; use its login URL"))
		} else {
			id, err := pc.Login(ctx, req.Username, req.Password)
			step("sign-in", err)
			if err == nil {
				res.Username, res.Groups = id.Username, id.Groups
			}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}
