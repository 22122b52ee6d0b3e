package api_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestLoginFloodIsLimited(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.createUser(admin, "frank", "franks-password", false)
	bad := map[string]string{"username": "frank", "password": "guess-guess-guess"}
	// A concurrent flood of wrong passwords for one account.
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				r := e.req(nil, "POST", "/v1/auth/login", "", bad)
				mu.Lock()
				codes[r.Status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if codes[429] < 150 || codes[200] != 0 {
		t.Fatalf("flood outcomes %v: most attempts must be refused before hashing", codes)
	}
	// While locked, even the right password is refused, with Retry-After.
	r := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "frank", "password": "franks-password"})
	if r.Status != 429 || r.Code() != "rate_limited" {
		t.Fatalf("locked account: %d %s", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// The service stays up for everything else.
	e.must(e.req(nil, "GET", "/healthz", "", nil), 200)
	e.must(e.req(nil, "GET", "/v1/me", admin, nil), 200)
	// The lock lifts with time, and success clears it.
	e.clock.Advance(16 * time.Minute)
	e.login("frank", "franks-password")

	// Failures are audited.
	evs := e.must(e.req(nil, "GET", "/v1/audit?action=auth.login&limit=500", admin, nil), 200).JSON()["items"].([]any)
	outcomes := map[string]int{}
	for _, ev := range evs {
		m := ev.(map[string]any)
		if m["target"] == "frank" {
			outcomes[m["outcome"].(string)]++
		}
	}
	if outcomes["denied"] < 150 || outcomes["success"] != 1 {
		t.Fatalf("audited login outcomes for frank: %v", outcomes)
	}
}

func TestLoginSprayIsLimitedPerSource(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.createUser(admin, "grace", "graces-password", false)
	// One address tries many different accounts (password spraying).
	for i := 0; i < 25; i++ {
		e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": fmt.Sprintf("user%d", i), "password": "Winter2026!!"})
	}
	r := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "grace", "password": "graces-password"})
	if r.Status != 429 {
		t.Fatalf("spraying source not locked: %d", r.Status)
	}
	// Another source is unaffected.
	other := e.client("127.0.0.2")
	e.must(e.req(other, "POST", "/v1/auth/login", "", map[string]string{"username": "grace", "password": "graces-password"}), 200)
}
