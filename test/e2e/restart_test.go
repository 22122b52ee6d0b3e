package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRestartKeepsState stops the server with SIGTERM and starts it again
// on the same data dir (and database): users, login sessions, API tokens,
// the CA and the serving certificate all survive.
func TestRestartKeepsState(t *testing.T) {
	eachBackend(t, func(t *testing.T, database string) {
		s := start(t, options{database: database, env: bootstrapEnv})
		t.Logf("first start (new data dir) to /readyz: %s", s.Startup)
		session := s.login("admin", bootstrapPassword)
		created := map[string]user{}
		for i, admin := range []bool{false, true, false} {
			u := s.createUser(session, fmt.Sprintf("restart-%d", i), fmt.Sprintf("restart-password-%d", i), admin)
			created[u.Username] = u
		}
		var apiToken struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		s.must("POST", "/v1/tokens", session, map[string]string{"description": "e2e restart", "ttl": "1h"}, http.StatusCreated, &apiToken)
		if apiToken.Token == "" {
			t.Fatal("POST /v1/tokens returned no token")
		}
		ca, cert := s.CAPEM, s.peerCert()
		s.stop()

		s = s.restart()
		t.Logf("restart (existing data dir) to /readyz: %s", s.Startup)
		if !bytes.Equal(s.CAPEM, ca) {
			t.Errorf("/cacerts changed across the restart:\n%s\nvs\n%s", ca, s.CAPEM)
		}
		if !bytes.Equal(s.peerCert(), cert) {
			t.Error("the serving certificate changed across the restart")
		}
		var me user
		s.must("GET", "/v1/me", apiToken.Token, nil, http.StatusOK, &me)
		if me.Username != "admin" {
			t.Errorf("the API token now belongs to %q, want admin", me.Username)
		}
		s.must("GET", "/v1/me", session, nil, http.StatusOK, &me)
		after := s.users(apiToken.Token)
		for name, want := range created {
			if got, ok := after[name]; !ok {
				t.Errorf("user %s is gone after the restart", name)
			} else if got != want {
				t.Errorf("user %s after the restart = %+v, want %+v", name, got, want)
			}
		}
		if len(after) != len(created)+1 {
			t.Errorf("%d users after the restart, want %d", len(after), len(created)+1)
		}
		s.login("restart-1", "restart-password-1")
		s.stop()
	})
}

// TestKillLosesNoAcknowledgedWrite creates users from concurrent clients,
// SIGKILLs the server in the middle of the burst and restarts it: every
// user whose creation was answered 201 must exist.
func TestKillLosesNoAcknowledgedWrite(t *testing.T) {
	const (
		workers     = 8
		maxRequests = 2000
		maxBurst    = 10 * time.Second
		killAfter   = 1500 * time.Millisecond
		minAcked    = 20
	)
	eachBackend(t, func(t *testing.T, database string) {
		s := start(t, options{database: database, env: bootstrapEnv})
		token := s.login("admin", bootstrapPassword)

		var (
			mu       sync.Mutex
			acked    []string
			rejected []string // HTTP answers other than 201
			sent     atomic.Int64
			inFlight atomic.Int64 // transport errors: requests the kill cut off
			killing  atomic.Bool  // no new requests once set
			wg       sync.WaitGroup
		)
		ctx, cancel := context.WithTimeout(context.Background(), maxBurst)
		defer cancel()
		for w := range workers {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil && !killing.Load() && sent.Add(1) <= maxRequests; i++ {
					name := fmt.Sprintf("burst-%d-%d", w, i)
					status, body, err := s.call(ctx, "POST", "/v1/users", token, map[string]string{
						"username": name, "password": "burst-password-" + name})
					mu.Lock()
					switch {
					case err != nil:
						inFlight.Add(1)
					case status == http.StatusCreated:
						acked = append(acked, name)
					default:
						rejected = append(rejected, fmt.Sprintf("%s: %d %s", name, status, body))
					}
					mu.Unlock()
				}
			})
		}
		// Kill after killAfter, once a few creations are acknowledged (a
		// busy machine hashes passwords slowly), while requests are in flight.
		burstStart := time.Now()
		for time.Since(burstStart) < killAfter || (ackedCount(&mu, &acked) < minAcked && time.Since(burstStart) < maxBurst/2) {
			time.Sleep(20 * time.Millisecond)
		}
		killing.Store(true)
		s.kill()
		cancel()
		wg.Wait()
		t.Logf("burst: %d requests sent, %d acknowledged (201), %d rejected, %d cut off in flight by the SIGKILL",
			len(acked)+len(rejected)+int(inFlight.Load()), len(acked), len(rejected), inFlight.Load())
		for _, r := range rejected {
			t.Errorf("user creation rejected during the burst: %s", r)
		}
		if len(acked) == 0 {
			t.Fatal("no user creation was acknowledged before the kill")
		}

		s = s.restart()
		t.Logf("restart after SIGKILL to /readyz: %s", s.Startup)
		token = s.login("admin", bootstrapPassword)
		users := s.users(token)
		lost := 0
		for _, name := range acked {
			if _, ok := users[name]; !ok {
				lost++
				t.Errorf("acknowledged user %s is missing after the SIGKILL", name)
			}
		}
		burst := 0
		for name := range users {
			if strings.HasPrefix(name, "burst-") {
				burst++
			}
		}
		t.Logf("after the restart: %d burst users stored (%d committed without an answer); %d of %d acknowledged users lost",
			burst, burst-len(acked)+lost, lost, len(acked))
		s.createUser(token, "after-the-crash", "after-the-crash-password", false)
		s.stop()
		if database == "" {
			checkSQLiteIntegrity(t, s.opts.dataDir)
		}
	})
}

func ackedCount(mu *sync.Mutex, acked *[]string) int {
	mu.Lock()
	defer mu.Unlock()
	return len(*acked)
}
