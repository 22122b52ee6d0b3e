package shell

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/recording"
	sh "github.com/paddockhq/paddock/internal/shell"
	"github.com/paddockhq/paddock/internal/store"
)

// session is one open shell: its token, sandbox session, WebSocket and
// recording.
type session struct {
	a     *API
	r     *http.Request
	p     *auth.Principal
	c     *model.Cluster
	size  sh.Size
	began time.Time

	tok  *model.Token
	sess *sh.Session
	ws   *websocket.Conn
	rec  *recording.Recorder

	ctx    context.Context // ends at the token's expiry or by end
	cancel context.CancelFunc

	mu              sync.Mutex
	reason, message string
}

// end stops the session for a reason given from outside (shutdown).
func (s *session) end(reason, message string) {
	s.mu.Lock()
	if s.reason == "" {
		s.reason, s.message = reason, message
	}
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

// start mints the session's token, prepares the sandbox session and the
// recording, and only then upgrades, so failures are plain HTTP errors.
func (a *API) start(w http.ResponseWriter, r *http.Request, p *auth.Principal, c *model.Cluster, size sh.Size) (*session, error) {
	s := &session{a: a, r: r, p: p, c: c, size: size, began: a.Now()}
	if !a.track(s) {
		return nil, httpx.Errorf(http.StatusServiceUnavailable, "shell_unavailable", "the server is shutting down")
	}
	ok := false
	defer func() {
		if !ok {
			a.finish(s)
		}
	}()
	ttl := a.tokenTTL(r, p)
	if ttl < 10*time.Second {
		return nil, httpx.Unauthorized("your sign-in expires in less than 10 seconds; sign in again")
	}
	secret, tok, err := a.Auth.IssueToken(r.Context(), p.User.ID, model.TokenShell, "browser shell", ttl)
	if err != nil {
		return nil, err
	}
	s.tok = tok
	s.ctx, s.cancel = context.WithDeadline(r.Context(), tok.ExpiresAt)
	if s.sess, err = a.Runner.Open(sh.Spec{ClusterID: c.ID, ClusterName: c.Name, Token: secret, User: p.User.ID}); err != nil {
		if errors.Is(err, sh.ErrTooMany) {
			return nil, httpx.Errorf(http.StatusTooManyRequests, "too_many_shells", "%s", err.Error())
		}
		return nil, httpx.Errorf(http.StatusServiceUnavailable, "shell_unavailable", "%s", err.Error())
	}
	s.rec, err = recording.Start(r.Context(), a.Store, model.Recording{Kind: model.RecordingShell, UserID: p.User.ID,
		Username: p.User.Username, ClusterID: c.ID, ClusterName: c.Name, Width: size.Cols, Height: size.Rows}, recording.Limits{}, a.Now, a.Log)
	if err != nil {
		return nil, err
	}
	s.rec.Redact(secret) // were the user to print it (kubectl config view --raw)
	// The Origin was checked against the external URL (checkOrigin), more
	// strictly than the library's same-host rule.
	if s.ws, err = websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}); err != nil {
		return nil, nil // Accept has answered
	}
	s.ws.SetReadLimit(1 << 20)
	a.audit(r, p, "shell.start", c.ID, http.StatusSwitchingProtocols, map[string]any{
		"cluster": c.Name, "recording": s.rec.ID(), "expiresAt": tok.ExpiresAt})
	ready, _ := json.Marshal(map[string]any{"type": "ready", "recording": s.rec.ID(), "cluster": c.Name, "expiresAt": tok.ExpiresAt})
	if err := s.ws.Write(s.ctx, websocket.MessageText, ready); err != nil {
		return nil, nil
	}
	ok = true
	return s, nil
}

// run serves the terminal until the session ends, then says why.
func (s *session) run(reqCtx context.Context) {
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(reqCtx))
	defer stopReading()
	input, resize := make(chan []byte, 16), make(chan sh.Size, 4)
	clientGone := make(chan struct{})
	go s.read(readCtx, input, resize, clientGone)
	go s.watchSignIn(readCtx)
	out := writerFunc(func(p []byte) (int, error) {
		s.rec.Output(p)
		ctx, cancel := context.WithTimeout(readCtx, 30*time.Second)
		defer cancel()
		if err := s.ws.Write(ctx, websocket.MessageBinary, p); err != nil {
			return 0, err
		}
		return len(p), nil
	})
	err := s.sess.Serve(s.ctx, sh.IO{Input: input, Resize: resize, Output: out}, s.size)
	s.mu.Lock()
	switch {
	case s.reason != "":
	case errors.Is(err, sh.ErrIdle):
		s.reason, s.message = "idle", "closed after a long time without activity"
	case errors.Is(err, context.DeadlineExceeded):
		s.reason, s.message = "expired", "the session's credential expired; open a new shell"
	case isClosed(clientGone):
		s.reason = "closed"
	case err != nil:
		s.reason, s.message = "error", err.Error()
	default:
		s.reason = "exit"
	}
	reason, message := s.reason, s.message
	s.mu.Unlock()
	if message != "" && reason != "closed" {
		_, _ = out.Write([]byte("\r\npaddock: " + message + "\r\n"))
	}
	wsClose(readCtx, s.ws, reason, message)
}

// watchSignIn ends the session when the credential that opened it is
// revoked (sign-out, a disabled user, an admin's revocation): the shell
// never outlives the caller's own sign-in.
func (s *session) watchSignIn(ctx context.Context) {
	if s.p.Token == nil {
		return
	}
	t := time.NewTicker(signInCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.a.Store.GetToken(ctx, s.p.Token.ID); errors.Is(err, store.ErrNotFound) {
			s.end("expired", "you signed out or your sign-in was revoked")
			return
		}
	}
}

// signInCheck is how often watchSignIn looks.
var signInCheck = 10 * time.Second

// read turns WebSocket frames into terminal input and resizes.
func (s *session) read(ctx context.Context, input chan<- []byte, resize chan<- sh.Size, gone chan struct{}) {
	defer close(input)
	for {
		typ, data, err := s.ws.Read(ctx)
		if err != nil {
			close(gone)
			return
		}
		if typ == websocket.MessageBinary {
			s.rec.Input(data)
			select {
			case input <- data:
			case <-ctx.Done():
				return
			}
			continue
		}
		var msg struct {
			Type       string
			Cols, Rows int
		}
		if json.Unmarshal(data, &msg) != nil || msg.Type != "resize" || msg.Cols < 1 || msg.Rows < 1 || msg.Cols > 1000 || msg.Rows > 1000 {
			continue // unknown control messages are ignored
		}
		s.rec.Resize(msg.Cols, msg.Rows)
		select {
		case resize <- sh.Size{Cols: msg.Cols, Rows: msg.Rows}:
		case <-ctx.Done():
			return
		}
	}
}

// finish revokes the token, removes the session's files, closes the
// recording and audits the end.
func (a *API) finish(s *session) {
	defer a.untrack(s)
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.r.Context()), 10*time.Second)
	defer cancel()
	if s.tok != nil {
		if err := a.Store.DeleteToken(ctx, s.tok.ID); err != nil {
			a.Log.Error("shell: revoking the session token failed", "token", s.tok.ID, "err", err)
		}
		a.Auth.Flush()
	}
	if s.ws != nil {
		_ = s.ws.CloseNow()
	}
	if s.sess != nil {
		s.sess.Close()
	}
	if s.rec == nil {
		return
	}
	if err := s.rec.Close(); err != nil {
		a.Log.Error("shell: closing the recording failed", "recording", s.rec.ID(), "err", err)
	}
	if s.ws == nil {
		return
	}
	s.mu.Lock()
	reason := s.reason
	s.mu.Unlock()
	a.audit(s.r, s.p, "shell.end", s.c.ID, http.StatusSwitchingProtocols, map[string]any{
		"cluster": s.c.Name, "recording": s.rec.ID(), "reason": reason,
		"seconds": a.Now().Sub(s.began).Round(time.Second).Seconds()})
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
