package secrets

import (
	"bytes"
	"errors"
	"testing"
)

func mustSealer(t *testing.T) *Sealer {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, n := range []int{0, 1, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) succeeded, want error", n)
		}
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := mustSealer(t)
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", nil, nil},
		{"empty with ad", []byte{}, []byte("secret/x")},
		{"text", []byte("hunter2"), []byte("secret/db-password")},
		{"binary", []byte{0, 1, 2, 0xff, 0}, nil},
		{"large", bytes.Repeat([]byte("k"), 1<<16), []byte("big")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := s.Seal(tc.plaintext, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if want := headerSize + len(tc.plaintext) + tagSize; len(sealed) != want {
				t.Errorf("sealed length %d, want %d", len(sealed), want)
			}
			if len(tc.plaintext) >= 4 && bytes.Contains(sealed, tc.plaintext) {
				t.Error("sealed value contains the plaintext")
			}
			got, err := s.Open(sealed, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.plaintext) {
				t.Errorf("Open = %q, want %q", got, tc.plaintext)
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	s := mustSealer(t)
	a, _ := s.Seal([]byte("same"), nil)
	b, _ := s.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical; nonce not random")
	}
}

func TestOpenRejects(t *testing.T) {
	s := mustSealer(t)
	other := mustSealer(t)
	ad := []byte("secret/a")
	sealed, err := s.Seal([]byte("attack at dawn"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name   string
		sealer *Sealer
		value  []byte
		ad     []byte
		want   error
	}{
		{"nil", s, nil, ad, ErrMalformed},
		{"too short", s, sealed[:headerSize+tagSize-1], ad, ErrMalformed},
		{"header only", s, sealed[:headerSize], ad, ErrMalformed},
		{"unknown version", s, append([]byte{2}, sealed[1:]...), ad, ErrMalformed},
		{"version zero", s, append([]byte{0}, sealed[1:]...), ad, ErrMalformed},
		{"wrong key", other, sealed, ad, ErrWrongKey},
		{"altered key id", s, flip(1), ad, ErrWrongKey},
		{"altered nonce", s, flip(1 + keyIDSize), ad, ErrTampered},
		{"altered ciphertext", s, flip(headerSize), ad, ErrTampered},
		{"altered tag", s, flip(len(sealed) - 1), ad, ErrTampered},
		{"truncated tag", s, sealed[:len(sealed)-1], ad, ErrTampered},
		{"extra byte", s, append(bytes.Clone(sealed), 0), ad, ErrTampered},
		{"other associated data", s, sealed, []byte("secret/b"), ErrTampered},
		{"missing associated data", s, sealed, nil, ErrTampered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.value, tc.ad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open error = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Errorf("Open returned %q alongside an error", got)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	a, _ := New(key)
	b, _ := New(bytes.Clone(key))
	if a.KeyID() != b.KeyID() || len(a.KeyID()) != 2*keyIDSize {
		t.Fatalf("key ids %q and %q: want equal, %d hex digits", a.KeyID(), b.KeyID(), 2*keyIDSize)
	}
	sealed, _ := a.Seal([]byte("x"), nil)
	if got, err := b.Open(sealed, nil); err != nil || string(got) != "x" {
		t.Fatalf("a Sealer from the same key cannot open: %q, %v", got, err)
	}
}

func TestZeroSealerErrs(t *testing.T) {
	var zero Sealer
	var nilSealer *Sealer
	for _, s := range []*Sealer{&zero, nilSealer} {
		if _, err := s.Seal([]byte("x"), nil); err == nil {
			t.Error("Seal with no key succeeded")
		}
		if _, err := s.Open(make([]byte, 64), nil); err == nil {
			t.Error("Open with no key succeeded")
		}
	}
}
