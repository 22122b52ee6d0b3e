package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestBootstrapGeneratedPasswordIsReissuedUntilChanged(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	svc := auth.NewService(st, auth.Options{})
	first, err := auth.Bootstrap(ctx, st, "", time.Now())
	if err != nil || first == "" {
		t.Fatalf("%q %v", first, err)
	}
	tok, _, _, err := svc.Login(ctx, "admin", first, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	// A restart before the password was changed (banner lost): a new one.
	second, err := auth.Bootstrap(ctx, st, "", time.Now())
	if err != nil || second == "" || second == first {
		t.Fatalf("%q %v", second, err)
	}
	if _, _, _, err := svc.Login(ctx, "admin", first, "127.0.0.1"); err == nil {
		t.Fatal("the lost password still works")
	}
	if _, err := svc.Authenticate(ctx, tok); err == nil {
		t.Fatal("a session from the lost password survived")
	}
	// The operator may set one through the environment instead.
	if got, err := auth.Bootstrap(ctx, st, "chosen-by-operator", time.Now()); err != nil || got != "" {
		t.Fatalf("%q %v", got, err)
	}
	_, u, _, err := svc.Login(ctx, "admin", "chosen-by-operator", "127.0.0.1")
	if err != nil || u.MustChangePassword {
		t.Fatalf("chosen password: %v %+v", err, u)
	}
	// Once claimed, later starts leave the account alone.
	if got, err := auth.Bootstrap(ctx, st, "another-password", time.Now()); err != nil || got != "" {
		t.Fatalf("%q %v", got, err)
	}
	if _, _, _, err := svc.Login(ctx, "admin", "chosen-by-operator", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Bootstrap(ctx, openStore(t), "short", time.Now()); err == nil {
		t.Fatal("a weak PADDOCK_BOOTSTRAP_PASSWORD must be refused")
	}
}
