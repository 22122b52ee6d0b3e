package idp

import (
	"context"
	"sync"
	"time"
)

// MemoryReplay is a ReplayGuard for one replica: ids are kept until they
// expire.
type MemoryReplay struct {
	Now func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time
}

// Use reports false when id was used and has not expired.
func (m *MemoryReplay) Use(_ context.Context, id string, until time.Time) (bool, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	t := now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	if len(m.seen) > 10_000 {
		for k, exp := range m.seen {
			if !t.Before(exp) {
				delete(m.seen, k)
			}
		}
	}
	if exp, ok := m.seen[id]; ok && t.Before(exp) {
		return false, nil
	}
	m.seen[id] = until
	return true, nil
}
