// Package settings owns the API of the server settings administrators
// change at run time (token lifetimes, group refresh interval, session
// idle timeout, agent image): read them with their source (the server flag
// or set here) and change or reset them, validated field by field.
package settings

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	core "github.com/paddockhq/paddock/internal/settings"
)

// API serves the settings routes.
type API struct {
	Settings *core.Service
	Now      func() time.Time
}

// Setting is one setting as it is in effect.
type Setting struct {
	// Value is the effective value (durations as Go durations, e.g. "720h").
	Value string `json:"value"`
	// Source is "flag" (the server flag's value) or "set" (set here).
	Source string `json:"source"`
	// Default is the server flag's value, what a reset returns to.
	Default string `json:"default"`
	Flag    string `json:"flag"`
	// Min and Max bound a value set here; ZeroDisables says "0s" is
	// accepted too and turns the setting off.
	Min          string `json:"min,omitempty"`
	Max          string `json:"max,omitempty"`
	ZeroDisables bool   `json:"zeroDisables,omitempty"`
}

// View is every run-time setting.
type View struct {
	// Revision grows with every change; send it back to refuse saving over
	// someone else's change.
	Revision             int64      `json:"revision"`
	UpdatedAt            *time.Time `json:"updatedAt,omitempty"`
	UpdatedBy            string     `json:"updatedBy,omitempty"`
	TokenDefaultTTL      Setting    `json:"tokenDefaultTTL"`
	TokenMaxTTL          Setting    `json:"tokenMaxTTL"`
	GroupRefreshInterval Setting    `json:"groupRefreshInterval"`
	SessionIdleTimeout   Setting    `json:"sessionIdleTimeout"`
	AgentImage           Setting    `json:"agentImage"`
	// SessionTTL is the lifetime of login sessions (--session-ttl, not a
	// run-time setting).
	SessionTTL string `json:"sessionTTL"`
}

// PatchRequest changes the settings present: a value sets one, "" resets
// it to the server flag, an absent field stays as it is.
type PatchRequest struct {
	// Revision, when not 0, must be the current revision (409 otherwise).
	Revision             int64   `json:"revision,omitempty"`
	TokenDefaultTTL      *string `json:"tokenDefaultTTL,omitempty"`
	TokenMaxTTL          *string `json:"tokenMaxTTL,omitempty"`
	GroupRefreshInterval *string `json:"groupRefreshInterval,omitempty"`
	// SessionIdleTimeout "0s" turns the idle timeout off.
	SessionIdleTimeout *string `json:"sessionIdleTimeout,omitempty"`
	AgentImage         *string `json:"agentImage,omitempty"`
}

// Routes lists the settings routes.
func (a *API) Routes() []rest.Route {
	needs := rest.Needs("settings", model.CapSettingsManage)
	return []rest.Route{
		needs(rest.Route{Method: "GET", Path: "/v1/settings", Summary: "The run-time server settings: each effective value and whether it is the server flag's or set here",
			Response: View{}, Handler: a.get}),
		needs(rest.Route{Method: "PATCH", Path: "/v1/settings", Audit: "settings.update",
			Summary: "Change or reset (\"\") run-time server settings; they apply at once on every replica (within 5 s)",
			Request: PatchRequest{}, Response: View{}, Errors: []int{http.StatusConflict}, Handler: a.patch}),
	}
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, a.view())
	return nil
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) error {
	var req PatchRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.AgentImage != nil && !auth.PrincipalFrom(r.Context()).User.Admin {
		// The agent runs with impersonation and RBAC-binding rights in every
		// cluster it is installed in: choosing its image is choosing code that
		// holds those rights, so it is an administrator's decision.
		return httpx.Forbidden("only administrators may change the agent image (it runs with impersonation rights in every cluster)")
	}
	apply, changed, err := parse(&req)
	target := strings.Join(changed, ",")
	if target == "" {
		target = "settings"
	}
	audit.Annotate(r.Context(), "settings.update", target)
	if err != nil {
		return httpx.Invalid("%s", err.Error())
	}
	_, err = a.Settings.Update(r.Context(), req.Revision, auth.PrincipalFrom(r.Context()).User.Username, a.Now(), apply)
	var ve *core.ValidationError
	switch {
	case errors.Is(err, core.ErrStale):
		return httpx.Conflict("the settings changed since revision %d (now %d): reload them and try again",
			req.Revision, a.Settings.Stored().Revision)
	case errors.As(err, &ve):
		return httpx.Invalid("%s", ve.Error())
	case err != nil:
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a.view())
	return nil
}

// parse turns the request into a change of the stored overrides; it
// returns the fields named and every field that does not parse.
func parse(req *PatchRequest) (apply func(*model.Settings) error, changed []string, err error) {
	ve := &core.ValidationError{}
	var steps []func(*model.Settings)
	duration := func(field string, in *string, out func(*model.Settings) **time.Duration) {
		if in == nil {
			return
		}
		changed = append(changed, field)
		var v *time.Duration
		if *in != "" {
			d, err := core.ParseDuration(*in)
			if err != nil {
				ve.Add(field, "%v", err)
				return
			}
			v = &d
		}
		steps = append(steps, func(o *model.Settings) { *out(o) = v })
	}
	duration(core.FieldTokenDefaultTTL, req.TokenDefaultTTL, func(o *model.Settings) **time.Duration { return &o.TokenDefaultTTL })
	duration(core.FieldTokenMaxTTL, req.TokenMaxTTL, func(o *model.Settings) **time.Duration { return &o.TokenMaxTTL })
	duration(core.FieldGroupRefresh, req.GroupRefreshInterval, func(o *model.Settings) **time.Duration { return &o.GroupRefresh })
	duration(core.FieldSessionIdleTimeout, req.SessionIdleTimeout, func(o *model.Settings) **time.Duration { return &o.SessionIdleTimeout })
	if req.AgentImage != nil {
		changed = append(changed, core.FieldAgentImage)
		image := *req.AgentImage
		steps = append(steps, func(o *model.Settings) { o.AgentImage = image })
	}
	return func(o *model.Settings) error {
		for _, step := range steps {
			step(o)
		}
		return nil
	}, changed, ve.Err()
}

func (a *API) view() View {
	def, stored, eff := a.Settings.Defaults(), a.Settings.Stored(), a.Settings.Values()
	f := core.FormatDuration
	dur := func(flag string, set *time.Duration, value, flagValue, lo, hi time.Duration) Setting {
		s := Setting{Value: f(value), Source: "flag", Default: f(flagValue), Flag: flag, Min: f(lo), Max: f(hi)}
		if set != nil {
			s.Source = "set"
		}
		return s
	}
	v := View{Revision: stored.Revision, UpdatedBy: stored.UpdatedBy, SessionTTL: f(def.SessionTTL),
		TokenDefaultTTL: dur("--token-default-ttl", stored.TokenDefaultTTL, eff.TokenDefaultTTL, def.TokenDefaultTTL,
			core.MinTokenTTL, core.MaxTokenTTL),
		TokenMaxTTL: dur("--token-max-ttl", stored.TokenMaxTTL, eff.TokenMaxTTL, def.TokenMaxTTL, core.MinTokenTTL, core.MaxTokenTTL),
		GroupRefreshInterval: dur("--group-refresh-interval", stored.GroupRefresh, eff.GroupRefresh, def.GroupRefresh,
			core.MinGroupRefresh, core.MaxGroupRefresh),
		SessionIdleTimeout: dur("--session-idle-timeout", stored.SessionIdleTimeout, eff.SessionIdleTimeout, def.SessionIdleTimeout,
			core.MinIdleTimeout, max(def.SessionTTL, core.MinIdleTimeout)),
		AgentImage: Setting{Value: eff.AgentImage, Source: "flag", Default: def.AgentImage, Flag: "--agent-image"},
	}
	v.SessionIdleTimeout.ZeroDisables = true
	if stored.AgentImage != "" {
		v.AgentImage.Source = "set"
	}
	if !stored.UpdatedAt.IsZero() {
		at := stored.UpdatedAt
		v.UpdatedAt = &at
	}
	return v
}
