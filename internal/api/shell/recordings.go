package shell

import (
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Recording is the public view of a recorded session.
type Recording struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	UserID      string     `json:"userId"`
	Username    string     `json:"username"`
	ClusterID   string     `json:"clusterId"`
	ClusterName string     `json:"clusterName"`
	Namespace   string     `json:"namespace,omitempty"`
	Pod         string     `json:"pod,omitempty"`
	Container   string     `json:"container,omitempty"`
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	StartedAt   time.Time  `json:"startedAt"`
	EndedAt     *time.Time `json:"endedAt,omitempty"`
	// Size is the length of the asciicast body in bytes.
	Size      int64 `json:"size"`
	Truncated bool  `json:"truncated"`
}

// RecordingWithCast is one recording and its asciicast v2 body (newline
// separated JSON: a header, then [seconds, "o"|"i"|"r"|"m", data] events).
type RecordingWithCast struct {
	Recording Recording `json:"recording"`
	Cast      string    `json:"cast"`
}

func (a *API) recordingRoutes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/recordings", Tag: "recordings", Access: rest.Capability, Cap: model.CapAuditRead,
			Summary: "List recorded terminal sessions (shells and pod terminals), newest first",
			Query: append([]rest.Param{
				{Name: "user", Type: "string", Description: "username or user id"},
				{Name: "cluster", Type: "string", Description: "cluster id"},
				{Name: "kind", Type: "string", Description: "shell or exec"},
				{Name: "since", Type: "string", Description: "RFC 3339 time, inclusive (start of the session)"},
			}, rest.PageParams...),
			Response: rest.List[Recording]{}, Handler: a.listRecordings},
		{Method: "GET", Path: "/v1/recordings/{id}", Tag: "recordings", Access: rest.Capability, Cap: model.CapAuditRead,
			Summary: "One recorded session with its asciicast v2 body", Response: RecordingWithCast{}, Handler: a.getRecording},
	}
}

func recordingView(r *model.Recording) Recording {
	v := Recording{ID: r.ID, Kind: r.Kind, UserID: r.UserID, Username: r.Username, ClusterID: r.ClusterID, ClusterName: r.ClusterName,
		Namespace: r.Namespace, Pod: r.Pod, Container: r.Container, Width: r.Width, Height: r.Height, StartedAt: r.StartedAt,
		Size: r.Size, Truncated: r.Truncated}
	if !r.EndedAt.IsZero() {
		e := r.EndedAt
		v.EndedAt = &e
	}
	return v
}

func (a *API) listRecordings(w http.ResponseWriter, r *http.Request) error {
	page, err := rest.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.RecordingFilter{User: q.Get("user"), ClusterID: q.Get("cluster"), Kind: q.Get("kind")}
	if f.Kind != "" && f.Kind != model.RecordingShell && f.Kind != model.RecordingExec {
		return httpx.BadRequest("kind must be shell or exec")
	}
	if s := q.Get("since"); s != "" {
		if f.Since, err = time.Parse(time.RFC3339, s); err != nil {
			return httpx.BadRequest("since must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
		}
	}
	recs, next, err := a.Store.ListRecordings(r.Context(), f, page)
	if err != nil {
		return rest.StoreError(err, "recording")
	}
	out := rest.List[Recording]{Items: make([]Recording, 0, len(recs)), Next: next}
	for i := range recs {
		out.Items = append(out.Items, recordingView(&recs[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getRecording(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.Store.GetRecording(r.Context(), r.PathValue("id"))
	if err != nil {
		return rest.StoreError(err, "recording")
	}
	body, err := a.Store.RecordingBody(r.Context(), rec.ID)
	if err != nil {
		return rest.StoreError(err, "recording")
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, RecordingWithCast{Recording: recordingView(rec), Cast: string(body)})
	return nil
}
