package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/paddockhq/paddock/internal/store"
)

func testSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSecret(ctx, "missing")
	wantErr(t, "GetSecret(missing)", err, store.ErrNotFound)
	wantErr(t, "DeleteSecret(missing)", s.DeleteSecret(ctx, "missing"), store.ErrNotFound)

	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	values := map[string][]byte{
		"oidc/client-secret":   []byte("s3cr3t"),
		"cluster/abc/kubeconf": bytes.Repeat([]byte("apiVersion: v1\n"), 1000),
		"binary":               allBytes,
		"empty":                {},
	}
	for name, v := range values {
		noErr(t, "PutSecret("+name+")", s.PutSecret(ctx, name, v))
	}
	for name, want := range values {
		got, err := s.GetSecret(ctx, name)
		noErr(t, "GetSecret("+name+")", err)
		if !bytes.Equal(got, want) {
			t.Errorf("GetSecret(%q) = %d bytes, want %d bytes %q", name, len(got), len(want), trim(want))
		}
	}

	// Overwrite, then delete one without touching the others.
	noErr(t, "PutSecret(overwrite)", s.PutSecret(ctx, "oidc/client-secret", []byte("rotated")))
	got, err := s.GetSecret(ctx, "oidc/client-secret")
	noErr(t, "GetSecret", err)
	if string(got) != "rotated" {
		t.Errorf("after overwrite GetSecret = %q, want rotated", got)
	}
	noErr(t, "DeleteSecret", s.DeleteSecret(ctx, "binary"))
	_, err = s.GetSecret(ctx, "binary")
	wantErr(t, "GetSecret(deleted)", err, store.ErrNotFound)
	wantErr(t, "DeleteSecret(again)", s.DeleteSecret(ctx, "binary"), store.ErrNotFound)
	if _, err := s.GetSecret(ctx, "empty"); err != nil {
		t.Errorf("GetSecret(empty) after deleting another: %v", err)
	}

	// The caller's slice is not retained: changing it later changes nothing.
	buf := []byte("original")
	noErr(t, "PutSecret", s.PutSecret(ctx, "aliasing", buf))
	copy(buf, "XXXXXXXX")
	got, err = s.GetSecret(ctx, "aliasing")
	noErr(t, "GetSecret", err)
	if string(got) != "original" {
		t.Errorf("GetSecret(aliasing) = %q, want original", got)
	}
}

func trim(b []byte) string {
	if len(b) > 32 {
		return fmt.Sprintf("%q...", b[:32])
	}
	return fmt.Sprintf("%q", b)
}
