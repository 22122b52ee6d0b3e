package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// signedIn logs bob in to f and returns the config folder.
func signedIn(t *testing.T, f *fakeServer) string {
	dir := t.TempDir()
	if _, err := login(t, f, dir, filepath.Join(t.TempDir(), "config"), Pin{Checksum: f.sum}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func credential(t *testing.T, f *fakeServer, dir string, parent int, mod ...func(*CredentialOptions)) (*ExecCredential, string, error) {
	var out, log bytes.Buffer
	o := CredentialOptions{Server: f.URL, ConfigDir: dir, Parent: parent, Out: &out, Log: &log}
	for _, m := range mod {
		m(&o)
	}
	err := Credential(t.Context(), o)
	if err != nil {
		return nil, log.String(), err
	}
	var ec ExecCredential
	if err := json.Unmarshal(out.Bytes(), &ec); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if strings.Contains(log.String(), ec.Status.Token) {
		t.Fatalf("the token went to stderr: %s", log.String())
	}
	return &ec, log.String(), nil
}

func TestCredentialCachesToken(t *testing.T) {
	f := newFakeServer(t)
	dir := signedIn(t, f)
	ec, _, err := credential(t, f, dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	exp, perr := time.Parse(time.RFC3339, ec.Status.ExpirationTimestamp)
	if ec.APIVersion != ExecAPIVersion || ec.Kind != "ExecCredential" || !strings.HasPrefix(ec.Status.Token, "pdt_") ||
		perr != nil || time.Until(exp) < 55*time.Minute || time.Until(exp) > time.Hour {
		t.Fatalf("credential %+v %v", ec, perr)
	}
	if f.lastTTL != "1h0m0s" {
		t.Fatalf("ttl asked %q", f.lastTTL)
	}
	_, key, _ := NormalizeServer(f.URL)
	if fi, err := os.Stat(Dir(dir).CacheFile(key)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v %v", fi, err)
	}
	// Other kubectl processes get the cached token, without a request.
	for p := 101; p < 105; p++ {
		again, _, err := credential(t, f, dir, p)
		if err != nil || again.Status.Token != ec.Status.Token {
			t.Fatalf("run %d: %v %+v", p, err, again)
		}
	}
	if minted, me, _ := f.counts(); minted != 1 || me != 0 {
		t.Fatalf("minted %d tokens, %d /v1/me checks; want 1, 0", minted, me)
	}
	// The same process asking again (client-go after a 401) makes the
	// plugin check the token; still good, it is kept.
	if again, _, err := credential(t, f, dir, 104); err != nil || again.Status.Token != ec.Status.Token {
		t.Fatalf("re-asked: %v", err)
	}
	if minted, me, _ := f.counts(); minted != 1 || me != 1 {
		t.Fatalf("after a re-ask: minted %d, me %d; want 1, 1", minted, me)
	}
	// A token with 5 minutes or less left is replaced.
	data, _ := os.ReadFile(Dir(dir).CacheFile(key))
	var c cached
	json.Unmarshal(data, &c)
	c.ExpiresAt = time.Now().Add(4 * time.Minute)
	data, _ = json.Marshal(c)
	os.WriteFile(Dir(dir).CacheFile(key), data, 0o600)
	if next, _, err := credential(t, f, dir, 200); err != nil || next.Status.Token == ec.Status.Token {
		t.Fatalf("near expiry: %v %+v", err, next)
	}
	// A damaged cache is no cache.
	os.WriteFile(Dir(dir).CacheFile(key), []byte("{garbage"), 0o600)
	if _, _, err := credential(t, f, dir, 201); err != nil {
		t.Fatal(err)
	}
	if minted, _, _ := f.counts(); minted != 3 {
		t.Fatalf("minted %d, want 3", minted)
	}
}

func TestCredentialConcurrentRunsMintOnce(t *testing.T) {
	f := newFakeServer(t)
	dir := signedIn(t, f)
	var wg sync.WaitGroup
	tokens := make([]string, 8)
	for i := range tokens {
		wg.Go(func() {
			ec, _, err := credential(t, f, dir, 300+i)
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = ec.Status.Token
		})
	}
	wg.Wait()
	for _, tok := range tokens {
		if tok != tokens[0] {
			t.Fatalf("different tokens: %q", tokens)
		}
	}
	if minted, _, _ := f.counts(); minted != 1 {
		t.Fatalf("8 concurrent runs minted %d tokens", minted)
	}
}

func TestCredentialSessionExpired(t *testing.T) {
	f := newFakeServer(t)
	dir := signedIn(t, f)
	if _, _, err := credential(t, f, dir, 400); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()
	// A new kubectl gets the cached token; refused, kubectl re-runs the
	// plugin, which finds the token and the session dead.
	if _, _, err := credential(t, f, dir, 401); err != nil {
		t.Fatal(err)
	}
	_, _, err := credential(t, f, dir, 401)
	want := "session expired — run: paddock login --server " + f.URL
	if !errors.Is(err, ErrSessionExpired) || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	// Not interactive: no prompt even with a terminal.
	p := &fakePrompt{answers: []string{"bob-password"}}
	if _, _, err := credential(t, f, dir, 401, func(o *CredentialOptions) { o.Prompt = p }); err == nil || len(p.asked) != 0 {
		t.Fatalf("non-interactive: %v, asked %q", err, p.asked)
	}
	// Interactive without a terminal: the same message.
	interactive := func(o *CredentialOptions) {
		o.Prompt = p
		o.ExecInfo = `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":true}}`
	}
	p.answers = nil
	if _, _, err := credential(t, f, dir, 401, interactive); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("interactive without a terminal: %v", err)
	}
	// Interactive with a terminal: signs in again as bob.
	p.answers = []string{"bob-password"}
	ec, log, err := credential(t, f, dir, 401, interactive)
	if err != nil || !strings.Contains(log, "sign in again as bob") || !strings.HasPrefix(ec.Status.Token, "pdt_") {
		t.Fatalf("re-login: %v %q", err, log)
	}
	_, key, _ := NormalizeServer(f.URL)
	if sess, _ := Dir(dir).LoadSession(key); sess.Token != "pds_session2" {
		t.Fatalf("the new session was not saved: %s", sess.Token)
	}
	// A session past its expiry is not even tried.
	sess, _ := Dir(dir).LoadSession(key)
	sess.ExpiresAt = time.Now().Add(-time.Minute)
	Dir(dir).SaveSession(key, sess)
	os.Remove(Dir(dir).CacheFile(key))
	minted, _, _ := f.counts()
	if _, _, err := credential(t, f, dir, 500); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("expired locally: %v", err)
	}
	if after, _, _ := f.counts(); after != minted {
		t.Fatal("a token was asked with an expired session")
	}
}

func TestCredentialNotSignedIn(t *testing.T) {
	f := newFakeServer(t)
	if _, _, err := credential(t, f, t.TempDir(), 1); err == nil || !strings.Contains(err.Error(), "run: paddock login --server "+f.URL) {
		t.Fatalf("got %v", err)
	}
}
