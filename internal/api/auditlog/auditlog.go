// Package auditlog owns the API that reads the audit trail: filterable by
// actor, action and time, newest first, paginated.
package auditlog

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the audit routes.
type API struct{ Store store.Store }

// Event is the public view of an audit event.
type Event struct {
	ID        int64           `json:"id"`
	Time      time.Time       `json:"time"`
	RequestID string          `json:"requestId"`
	Actor     string          `json:"actor"`
	ActorID   string          `json:"actorId,omitempty"`
	SourceIP  string          `json:"sourceIP"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Outcome   string          `json:"outcome"`
	Status    int             `json:"status"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// Routes lists the audit routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/audit", Tag: "audit", Access: rest.Capability, Cap: model.CapAuditRead, Summary: "Read the audit log, newest first",
			Query: append([]rest.Param{
				{Name: "actor", Type: "string", Description: "username"},
				{Name: "action", Type: "string", Description: "exact action, or a prefix ending in * (user.*)"},
				{Name: "since", Type: "string", Description: "RFC 3339 time, inclusive"},
				{Name: "until", Type: "string", Description: "RFC 3339 time, exclusive"},
			}, rest.PageParams...),
			Response: rest.List[Event]{}, Handler: a.list},
	}
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	page, err := rest.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return httpx.BadRequest("%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z", name)
			}
			*dst = t
		}
	}
	evs, next, err := a.Store.ListAudit(r.Context(), f, page)
	if err != nil {
		return rest.StoreError(err, "audit event")
	}
	out := rest.List[Event]{Items: make([]Event, 0, len(evs)), Next: next}
	for _, e := range evs {
		ev := Event{ID: e.ID, Time: e.Time, RequestID: e.RequestID, Actor: e.Actor, ActorID: e.ActorID, SourceIP: e.SourceIP,
			Action: e.Action, Target: e.Target, Outcome: e.Outcome, Status: e.Status}
		if json.Valid([]byte(e.Detail)) {
			ev.Detail = json.RawMessage(e.Detail)
		}
		out.Items = append(out.Items, ev)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
