package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("%q %v", h, err)
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatal("right password refused", err)
	}
	if ok, _ := VerifyPassword("correct horse batterz", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1,t=1$x$y", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$!!"} {
		if ok, err := VerifyPassword("x", bad); ok || err == nil {
			t.Errorf("malformed hash %q: ok=%v err=%v", bad, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short": false, "exactly12chr": true, "alice-account": false, "Alice-Account": false, "not-alice-account": true,
		strings.Repeat("x", 257): false, "\xff\xfe invalid utf8": false,
	} {
		if err := CheckPasswordPolicy("alice-account", pw); (err == nil) != ok {
			t.Errorf("%q: %v", pw, err)
		}
	}
	if g := GeneratePassword(); len(g) != 24 || CheckPasswordPolicy("admin", g) != nil {
		t.Fatal(g)
	}
}

func TestTokenFormat(t *testing.T) {
	s, h := NewTokenSecret()
	if !wellFormed(s) || HashToken(s) != h || len(h) != 64 {
		t.Fatal(s, h)
	}
	s2, _ := NewTokenSecret()
	if s == s2 {
		t.Fatal("tokens repeat")
	}
	for _, bad := range []string{"", "pdk_", s[:len(s)-1], s + "x", "xyz" + s[3:], "pdk_" + strings.Repeat("!", 43), "' OR 1=1 --"} {
		if wellFormed(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(3)
	now := time.Now()
	for i := 0; i < 3; i++ {
		if d := l.Fail("k", now); d != 0 {
			t.Fatalf("failure %d locked %s", i, d)
		}
	}
	if d := l.Fail("k", now); d != time.Second {
		t.Fatalf("first lock %s", d)
	}
	if d := l.Fail("k", now); d != 2*time.Second || l.Locked("k", now) != 2*time.Second {
		t.Fatalf("second lock %s", d)
	}
	if l.Locked("k", now.Add(3*time.Second)) != 0 || l.Locked("other", now) != 0 {
		t.Fatal("lock must expire and be per key")
	}
	for i := 0; i < 100; i++ {
		l.Fail("k", now)
	}
	if l.Locked("k", now) != l.MaxLockout {
		t.Fatal("lock must be capped")
	}
	l.Reset("k")
	if l.Locked("k", now) != 0 {
		t.Fatal("reset")
	}
	// Memory stays bounded under a flood of distinct keys.
	l.MaxEntries = 100
	for i := 0; i < 1000; i++ {
		l.Fail(strings.Repeat("x", i%50)+string(rune(i)), now)
	}
	if len(l.entries) > 100 {
		t.Fatalf("%d entries", len(l.entries))
	}
}
