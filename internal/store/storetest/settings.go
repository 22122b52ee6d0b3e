package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Settings: the unset document of a fresh store, round trips (a zero
// duration is a value, distinct from unset), the revision, aborted
// updates, and no lost update under concurrency.

func dur(d time.Duration) *time.Duration { return &d }

func sameDuration(t *testing.T, what string, got, want *time.Duration) {
	t.Helper()
	if (got == nil) != (want == nil) || (got != nil && *got != *want) {
		t.Errorf("%s = %v, want %v", what, fmtDur(got), fmtDur(want))
	}
}

func fmtDur(d *time.Duration) string {
	if d == nil {
		return "unset"
	}
	return d.String()
}

func checkSettings(t *testing.T, got, want *model.Settings) {
	t.Helper()
	sameDuration(t, "TokenDefaultTTL", got.TokenDefaultTTL, want.TokenDefaultTTL)
	sameDuration(t, "TokenMaxTTL", got.TokenMaxTTL, want.TokenMaxTTL)
	sameDuration(t, "GroupRefresh", got.GroupRefresh, want.GroupRefresh)
	sameDuration(t, "SessionIdleTimeout", got.SessionIdleTimeout, want.SessionIdleTimeout)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	if got.AgentImage != want.AgentImage || got.Revision != want.Revision || got.UpdatedBy != want.UpdatedBy {
		t.Errorf("settings: image %q revision %d by %q, want %q %d %q",
			got.AgentImage, got.Revision, got.UpdatedBy, want.AgentImage, want.Revision, want.UpdatedBy)
	}
}

func testSettingsRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.GetSettings(ctx)
	noErr(t, "GetSettings (fresh)", err)
	checkSettings(t, got, &model.Settings{})

	want := model.Settings{TokenDefaultTTL: dur(90*time.Minute + 1), TokenMaxTTL: dur(43800 * time.Hour),
		GroupRefresh: dur(time.Minute), SessionIdleTimeout: dur(0), AgentImage: "registry.example:5000/paddock/agent:v1.2'\"; --",
		UpdatedAt: at(time.Hour), UpdatedBy: "Ädmin"}
	upd, err := s.UpdateSettings(ctx, func(cur *model.Settings) error {
		checkSettings(t, cur, &model.Settings{})
		*cur = want
		cur.Revision = 42 // ignored: the store counts
		return nil
	})
	noErr(t, "UpdateSettings", err)
	want.Revision = 1
	checkSettings(t, upd, &want)
	got, err = s.GetSettings(ctx)
	noErr(t, "GetSettings", err)
	checkSettings(t, got, &want)

	// An error from fn aborts: nothing changes, the revision stays.
	boom := errors.New("boom")
	_, err = s.UpdateSettings(ctx, func(cur *model.Settings) error {
		cur.AgentImage, cur.TokenMaxTTL = "changed", nil
		return boom
	})
	wantErr(t, "UpdateSettings returning an error", err, boom)
	got, _ = s.GetSettings(ctx)
	checkSettings(t, got, &want)

	// Unsetting goes back to NULL.
	upd, err = s.UpdateSettings(ctx, func(cur *model.Settings) error {
		cur.TokenDefaultTTL, cur.SessionIdleTimeout, cur.AgentImage = nil, nil, ""
		return nil
	})
	noErr(t, "UpdateSettings (unset)", err)
	want.TokenDefaultTTL, want.SessionIdleTimeout, want.AgentImage, want.Revision = nil, nil, "", 2
	checkSettings(t, upd, &want)
	got, _ = s.GetSettings(ctx)
	checkSettings(t, got, &want)
}

func testConcurrentUpdateSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 10
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.UpdateSettings(ctx, func(cur *model.Settings) error {
				next := time.Duration(0)
				if cur.TokenMaxTTL != nil {
					next = *cur.TokenMaxTTL
				}
				next += time.Second
				cur.TokenMaxTTL, cur.AgentImage = &next, cur.AgentImage+"x"
				return nil
			})
			if err != nil {
				t.Errorf("UpdateSettings: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetSettings(ctx)
	noErr(t, "GetSettings", err)
	if got.Revision != n || got.TokenMaxTTL == nil || *got.TokenMaxTTL != n*time.Second || len(got.AgentImage) != n {
		t.Errorf("after %d concurrent updates: revision %d, max TTL %s, image %q (an update was lost)",
			n, got.Revision, fmtDur(got.TokenMaxTTL), got.AgentImage)
	}
}
