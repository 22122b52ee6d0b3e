// Package shell owns the HTTP side of the browser kubectl shell and of
// session recordings: GET /v1/clusters/{id}/shell upgrades to a WebSocket
// carrying one user's terminal into an internal/shell session (with a
// short-lived token minted for it, revoked when it ends), records it
// through internal/recording, audits its start and end; GET
// /v1/recordings and /v1/recordings/{id} let holders of audit-read list
// and replay recordings.
//
// WebSocket protocol (no subprotocol):
//
//   - binary frames, both ways: terminal bytes (client: keystrokes and
//     pastes; server: terminal output, UTF-8 with ANSI escapes).
//   - text frames from the client: JSON control messages; only
//     {"type":"resize","cols":N,"rows":M} is defined.
//   - text frames from the server: {"type":"ready","recording":ID,
//     "cluster":NAME,"expiresAt":RFC3339} once, first; {"type":"exit",
//     "reason":R,"message":TEXT} last, before a normal close, R one of
//     exit, idle, expired, shutdown, closed, error.
//
// The initial size may be given as ?cols=&rows= on the URL (default
// 80x24). The handshake needs the session cookie or a bearer token, an
// Origin equal to the server's external URL when the browser sends one
// (always required with the cookie: cross-site WebSocket hijacking), and a
// cluster the caller may reach.
package shell

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	sh "github.com/paddockhq/paddock/internal/shell"
	"github.com/paddockhq/paddock/internal/store"
)

// MaxTokenTTL bounds a shell session's token, and so the session.
const MaxTokenTTL = time.Hour

// API serves the shell and recording routes.
type API struct {
	Store  store.Store
	Auth   *auth.Service
	Acc    *access.Authorizer
	Runner *sh.Runner // nil: the shell is not available
	// ExternalURL is the only Origin a browser may open a shell from.
	ExternalURL string
	Now         func() time.Time
	// CapTTL, when set, bounds a user's tokens further (0: no bound).
	CapTTL func(ctx context.Context, u *model.User) time.Duration
	Log    *slog.Logger

	mu       sync.Mutex
	closing  bool
	sessions map[*session]struct{}
	wg       sync.WaitGroup
}

// Routes lists the shell and recording routes.
func (a *API) Routes() []rest.Route {
	return append([]rest.Route{
		{Method: "GET", Path: "/v1/clusters/{id}/shell", Tag: "shell", Access: rest.Authenticated,
			Summary: "Open a kubectl shell on the cluster (WebSocket; see the shell package for the protocol)",
			Query: []rest.Param{{Name: "cols", Type: "integer", Description: "terminal columns (default 80)"},
				{Name: "rows", Type: "integer", Description: "terminal rows (default 24)"}},
			Errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}, Handler: a.open},
	}, a.recordingRoutes()...)
}

// Close ends every session (telling the user the server is shutting
// down) and waits until their tokens are revoked and recordings closed.
func (a *API) Close() {
	a.mu.Lock()
	a.closing = true
	for s := range a.sessions {
		s.end("shutdown", "the server is shutting down")
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *API) open(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	c, err := a.Store.GetCluster(r.Context(), r.PathValue("id"))
	if err == nil && !a.Acc.MayReach(access.WhoOf(p.User), c.ID) {
		err = store.ErrNotFound
	}
	if err != nil {
		return rest.StoreError(err, "cluster")
	}
	if err := a.checkOrigin(r, p); err != nil {
		return err
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return httpx.BadRequest("this endpoint is a WebSocket: open it with Upgrade: websocket")
	}
	size, err := initialSize(r)
	if err != nil {
		return err
	}
	if err := a.Runner.Available(); err != nil {
		return httpx.Errorf(http.StatusServiceUnavailable, "shell_unavailable", "%s", err.Error())
	}
	s, err := a.start(w, r, p, c, size)
	if err != nil || s == nil {
		return err
	}
	defer a.finish(s)
	s.run(r.Context())
	return nil
}

// checkOrigin refuses a handshake a browser sent from another site. With
// the session cookie the Origin header is required (browsers always send
// it on WebSocket handshakes); it must name the external URL exactly.
func (a *API) checkOrigin(r *http.Request, p *auth.Principal) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		if p.ViaCookie {
			return httpx.Forbidden("a shell opened with the session cookie needs an Origin header")
		}
		return nil
	}
	want, err := url.Parse(a.ExternalURL)
	got, gerr := url.Parse(origin)
	if err != nil || gerr != nil || !strings.EqualFold(got.Scheme, want.Scheme) || !strings.EqualFold(got.Host, want.Host) ||
		got.Path != "" && got.Path != "/" {
		return httpx.Forbidden("cross-origin shell refused (Origin %q is not %s)", origin, a.ExternalURL)
	}
	return nil
}

func initialSize(r *http.Request) (sh.Size, error) {
	size := sh.Size{Cols: 80, Rows: 24}
	for name, dst := range map[string]*int{"cols": &size.Cols, "rows": &size.Rows} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return size, httpx.BadRequest("%s must be an integer from 1 to 1000", name)
			}
			*dst = n
		}
	}
	return size, nil
}

// tokenTTL is the session token's lifetime: at most MaxTokenTTL, never
// beyond the caller's own credential or their identity provider's bound.
func (a *API) tokenTTL(r *http.Request, p *auth.Principal) time.Duration {
	ttl := MaxTokenTTL
	if p.Token != nil {
		ttl = min(ttl, p.Token.ExpiresAt.Sub(a.Now()))
	}
	if a.CapTTL != nil {
		if c := a.CapTTL(r.Context(), p.User); c > 0 {
			ttl = min(ttl, c)
		}
	}
	return ttl
}

// audit appends a shell audit event (the middleware records only
// mutating requests).
func (a *API) audit(r *http.Request, p *auth.Principal, action, target string, status int, detail map[string]any) {
	d, _ := json.Marshal(detail)
	e := &model.AuditEvent{Time: a.Now().UTC(), RequestID: httpx.InfoFrom(r.Context()).ID, Actor: p.User.Username,
		ActorID: p.User.ID, SourceIP: httpx.ClientIP(r), Action: action, Target: target, Outcome: model.OutcomeSuccess,
		Status: status, Detail: string(d)}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		a.Log.Error("shell: writing the audit event failed", "action", action, "err", err)
	}
}

// track registers a session; false when the server is closing.
func (a *API) track(s *session) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return false
	}
	if a.sessions == nil {
		a.sessions = map[*session]struct{}{}
	}
	a.sessions[s] = struct{}{}
	a.wg.Add(1)
	return true
}

func (a *API) untrack(s *session) {
	a.mu.Lock()
	delete(a.sessions, s)
	a.mu.Unlock()
	a.wg.Done()
}

// wsClose closes c normally after telling why.
func wsClose(ctx context.Context, c *websocket.Conn, reason, message string) {
	msg, _ := json.Marshal(map[string]string{"type": "exit", "reason": reason, "message": message})
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	_ = c.Write(wctx, websocket.MessageText, msg)
	cancel()
	_ = c.Close(websocket.StatusNormalClosure, reason)
}
