package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

type entryKey struct{}

// entry is filled in by handlers during the request.
type entry struct {
	action   string
	target   string
	omitBody bool
}

// Annotate names the action and target of the current request, e.g.
// ("user.create", "alice").
func Annotate(ctx context.Context, action, target string) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.action, e.target = action, target
	}
}

// OmitBody keeps the request body out of the audit record entirely (for
// requests whose whole body is secret).
func OmitBody(ctx context.Context) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.omitBody = true
	}
}

func mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Middleware records every mutating request under prefix once it ends. It
// runs inside httpx.Observe and outside authentication, so refused
// credentials are recorded too; the actor comes from httpx.Info, which
// authentication (or a login handler) fills in. A failed audit write is logged loudly; the response has
// already been decided by then.
func Middleware(audit store.Audit, prefix string, now func() time.Time) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, prefix) {
				next.ServeHTTP(w, r)
				return
			}
			if !mutating(r.Method) {
				// Reads are recorded only when the handler names an action
				// (e.g. issuing a kubeconfig with a fresh token).
				e := &entry{}
				ctx := context.WithValue(r.Context(), entryKey{}, e)
				rec := &httpx.StatusRecorder{ResponseWriter: w}
				next.ServeHTTP(rec, r.WithContext(ctx))
				if e.action != "" {
					record(ctx, audit, r, e, rec.Status, nil, now())
				}
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, httpx.MaxBodyBytes+1))
			if err != nil {
				httpx.WriteError(w, r, httpx.BadRequest("reading request body: %v", err))
				return
			}
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
			e := &entry{}
			ctx := context.WithValue(r.Context(), entryKey{}, e)
			rec := &httpx.StatusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r.WithContext(ctx))
			record(ctx, audit, r, e, rec.Status, body, now())
		})
	}
}

func record(ctx context.Context, audit store.Audit, r *http.Request, e *entry, status int, body []byte, at time.Time) {
	info := httpx.InfoFrom(ctx)
	if e.action == "" { // not annotated: name it by route, or by path when unrouted
		e.action = info.Route
		if e.action == "" {
			e.action = r.Method + " " + httpx.LogPath(r)
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	var logged any = RedactBody(body)
	if e.omitBody && len(body) > 0 {
		logged = Redacted
	}
	detail, _ := json.Marshal(map[string]any{
		"method": r.Method, "path": httpx.LogPath(r), "body": logged, "error": info.ErrorCode,
	})
	ev := &model.AuditEvent{
		Time: at.UTC(), RequestID: info.ID, Actor: info.Actor, ActorID: info.ActorID,
		SourceIP: httpx.ClientIP(r), Action: e.action, Target: e.target,
		Outcome: outcome(status), Status: status, Detail: string(detail),
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := audit.AppendAudit(wctx, ev); err != nil {
		slog.ErrorContext(ctx, "AUDIT WRITE FAILED", "action", ev.Action, "actor", ev.Actor, "target", ev.Target, "err", err)
	}
}

func outcome(status int) string {
	switch {
	case status < 400:
		return model.OutcomeSuccess
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return model.OutcomeDenied
	}
	return model.OutcomeFailure
}
