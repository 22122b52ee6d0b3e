package settings

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// memStore is an in-memory store.Settings.
type memStore struct {
	mu sync.Mutex
	s  model.Settings
}

func (m *memStore) GetSettings(context.Context) (*model.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.s
	return &c, nil
}

func (m *memStore) UpdateSettings(_ context.Context, fn func(*model.Settings) error) (*model.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := m.s
	if err := fn(&next); err != nil {
		return nil, err
	}
	next.Revision = m.s.Revision + 1
	m.s = next
	c := next
	return &c, nil
}

var flags = Defaults{TokenDefaultTTL: 720 * time.Hour, TokenMaxTTL: 8760 * time.Hour, GroupRefresh: time.Hour,
	AgentImage: "paddockhq/paddock:latest", SessionTTL: 12 * time.Hour}

func d(v time.Duration) *time.Duration { return &v }

func TestResolve(t *testing.T) {
	if got := Resolve(flags, &model.Settings{}); got != (Values{720 * time.Hour, 8760 * time.Hour, time.Hour, 0, "paddockhq/paddock:latest"}) {
		t.Errorf("flags only: %+v", got)
	}
	o := &model.Settings{TokenMaxTTL: d(48 * time.Hour), SessionIdleTimeout: d(0), GroupRefresh: d(time.Minute), AgentImage: "x/y:1"}
	got := Resolve(Defaults{TokenDefaultTTL: 720 * time.Hour, TokenMaxTTL: 8760 * time.Hour, SessionIdleTimeout: time.Hour}, o)
	// The flag's default exceeds the stored maximum: lowered to it.
	if got != (Values{48 * time.Hour, 48 * time.Hour, time.Minute, 0, "x/y:1"}) {
		t.Errorf("overrides: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		o     model.Settings
		field string // "" for valid
	}{
		{"empty", model.Settings{}, ""},
		{"all set", model.Settings{TokenDefaultTTL: d(time.Hour), TokenMaxTTL: d(MaxTokenTTL), GroupRefresh: d(MaxGroupRefresh),
			SessionIdleTimeout: d(12 * time.Hour), AgentImage: "registry.example.com:5000/team/paddock:v1.2@sha256:" + strings.Repeat("ab", 32)}, ""},
		{"idle off", model.Settings{SessionIdleTimeout: d(0)}, ""},
		{"idle min", model.Settings{SessionIdleTimeout: d(MinIdleTimeout)}, ""},
		{"idle short", model.Settings{SessionIdleTimeout: d(time.Minute)}, FieldSessionIdleTimeout},
		{"idle above session", model.Settings{SessionIdleTimeout: d(13 * time.Hour)}, FieldSessionIdleTimeout},
		{"default zero", model.Settings{TokenDefaultTTL: d(0)}, FieldTokenDefaultTTL},
		{"max too long", model.Settings{TokenMaxTTL: d(MaxTokenTTL + time.Hour)}, FieldTokenMaxTTL},
		{"refresh short", model.Settings{GroupRefresh: d(30 * time.Second)}, FieldGroupRefresh},
		{"refresh long", model.Settings{GroupRefresh: d(8 * 24 * time.Hour)}, FieldGroupRefresh},
		{"default above flag max", model.Settings{TokenDefaultTTL: d(9000 * time.Hour)}, FieldTokenDefaultTTL},
		{"max below flag default", model.Settings{TokenMaxTTL: d(24 * time.Hour)}, FieldTokenMaxTTL},
		{"both, default above", model.Settings{TokenDefaultTTL: d(48 * time.Hour), TokenMaxTTL: d(24 * time.Hour)}, FieldTokenDefaultTTL},
		{"both lowered", model.Settings{TokenDefaultTTL: d(8 * time.Hour), TokenMaxTTL: d(24 * time.Hour)}, ""},
		{"image spaces", model.Settings{AgentImage: "paddock latest"}, FieldAgentImage},
		{"image uppercase path", model.Settings{AgentImage: "registry/Paddock"}, FieldAgentImage},
		{"image empty tag", model.Settings{AgentImage: "paddock:"}, FieldAgentImage},
		{"image scheme", model.Settings{AgentImage: "https://registry/paddock"}, FieldAgentImage},
		{"image long", model.Settings{AgentImage: "a/" + strings.Repeat("b", 600)}, FieldAgentImage},
	}
	for _, tc := range cases {
		err := Validate(&tc.o, flags)
		var ve *ValidationError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &ve) || ve.Fields[0].Field != tc.field):
			t.Errorf("%s: error %v, want one about %s", tc.name, err, tc.field)
		case tc.field != "" && !strings.HasPrefix(err.Error(), tc.field+": "):
			t.Errorf("%s: message %q does not start with the field", tc.name, err)
		}
	}
	// Sessions shorter than the minimum idle timeout: only off is valid.
	short := flags
	short.SessionTTL = time.Minute
	if err := Validate(&model.Settings{SessionIdleTimeout: d(5 * time.Minute)}, short); err == nil {
		t.Error("idle timeout accepted with a 1m session TTL")
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[time.Duration]string{720 * time.Hour: "720h", 90 * time.Minute: "1h30m", 5 * time.Minute: "5m",
		0: "0s", 90 * time.Second: "1m30s", time.Hour + 30*time.Second: "1h0m30s"} {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", in, got, want)
		}
	}
	if v, err := ParseDuration(" 36h "); err != nil || v != 36*time.Hour {
		t.Errorf("ParseDuration: %v %v", v, err)
	}
	for _, bad := range []string{"", "3 days", "-1h", "10"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestServiceUpdateAndReplicas(t *testing.T) {
	ctx := t.Context()
	st := &memStore{}
	a, b := New(st, flags, nil), New(st, flags, nil)
	if a.TokenMaxTTL() != flags.TokenMaxTTL || a.AgentImage() != flags.AgentImage || a.SessionIdleTimeout() != 0 {
		t.Fatalf("initial values: %+v", a.Values())
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err := a.Update(ctx, 0, "admin", now, func(o *model.Settings) error {
		o.TokenMaxTTL, o.SessionIdleTimeout, o.AgentImage = d(1000*time.Hour), d(10*time.Minute), "example.com/agent:2"
		return nil
	})
	if err != nil || got.Revision != 1 || got.UpdatedBy != "admin" || !got.UpdatedAt.Equal(now) {
		t.Fatalf("Update: %+v %v", got, err)
	}
	// This replica at once; the other after a reload.
	if a.TokenMaxTTL() != 1000*time.Hour || a.SessionIdleTimeout() != 10*time.Minute || a.AgentImage() != "example.com/agent:2" {
		t.Errorf("after update: %+v", a.Values())
	}
	if b.TokenMaxTTL() != flags.TokenMaxTTL {
		t.Errorf("other replica changed before reloading")
	}
	if changed, err := b.Reload(ctx); !changed || err != nil || b.Values() != a.Values() {
		t.Errorf("Reload: %v %v %+v", changed, err, b.Values())
	}
	if changed, _ := b.Reload(ctx); changed {
		t.Error("a second Reload reported a change")
	}

	// A stale revision and an invalid result change nothing.
	if _, err := a.Update(ctx, 7, "admin", now, func(*model.Settings) error { return nil }); !errors.Is(err, ErrStale) {
		t.Errorf("stale update: %v", err)
	}
	_, err = a.Update(ctx, 1, "admin", now, func(o *model.Settings) error { o.TokenDefaultTTL = d(2000 * time.Hour); return nil })
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != FieldTokenDefaultTTL {
		t.Errorf("invalid update: %v", err)
	}
	if s, _ := st.GetSettings(ctx); s.Revision != 1 || s.TokenDefaultTTL != nil {
		t.Errorf("store after refused updates: %+v", s)
	}

	// Unsetting goes back to the flag.
	if _, err := a.Update(ctx, 1, "admin", now, func(o *model.Settings) error { o.TokenMaxTTL = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if a.TokenMaxTTL() != flags.TokenMaxTTL || a.Stored().Revision != 2 {
		t.Errorf("after unsetting: %+v", a.Values())
	}
	// An older read never replaces a newer state.
	if a.install(&model.Settings{Revision: 1, TokenMaxTTL: d(time.Hour)}) || a.TokenMaxTTL() != flags.TokenMaxTTL {
		t.Error("an older revision was installed")
	}
}

func TestRunFollowsOtherReplicas(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st := &memStore{}
	a, b := New(st, flags, nil), New(st, flags, nil)
	done := make(chan struct{})
	go func() { b.Run(ctx, 5*time.Millisecond); close(done) }()
	if _, err := a.Update(ctx, 0, "admin", time.Now(), func(o *model.Settings) error { o.GroupRefresh = d(2 * time.Minute); return nil }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.GroupRefresh() != 2*time.Minute {
		if time.Now().After(deadline) {
			t.Fatal("the other replica never picked the change up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
