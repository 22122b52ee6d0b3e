// Package secrets owns Paddock's encryption at rest: the master key file and
// the Sealer that encrypts small values (stored secrets, cluster credentials)
// before any backend writes them to disk.
//
// A sealed value is
//
//	version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext+tag
//
// The key id is the first four bytes of SHA-256 of the key, so a value sealed
// under another key is reported as such rather than as tampering, and key
// rotation (several keys, one of them current) can be added later without
// changing the format. The version byte and key id are authenticated together
// with the caller's associated data, which binds a value to its context (for
// example the name of the row it is stored in) so sealed values cannot be
// swapped between rows.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the length of a master key: AES-256.
const KeySize = 32

const (
	version1   byte = 1
	keyIDSize       = 4
	nonceSize       = 12
	headerSize      = 1 + keyIDSize + nonceSize
	tagSize         = 16
)

// Errors returned by Open. They are distinct so an operator can tell a
// misconfigured key from corrupted or tampered data.
var (
	// ErrMalformed is a value too short to be sealed, or of an unknown
	// format version.
	ErrMalformed = errors.New("secrets: malformed sealed value")
	// ErrWrongKey is a value sealed under a key other than this Sealer's.
	ErrWrongKey = errors.New("secrets: value was sealed with a different key")
	// ErrTampered is a value (or associated data) that fails authentication.
	ErrTampered = errors.New("secrets: sealed value failed authentication (tampered or wrong associated data)")
)

var errNoKey = errors.New("secrets: Sealer has no key (use secrets.New)")

// Sealer encrypts and authenticates values with one AES-256-GCM key. It is
// safe for concurrent use.
type Sealer struct {
	aead  cipher.AEAD
	keyID [keyIDSize]byte
}

// New returns a Sealer for a KeySize-byte key. The key is not retained
// beyond the cipher's expanded schedule.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	s := &Sealer{aead: aead}
	sum := sha256.Sum256(key)
	copy(s.keyID[:], sum[:keyIDSize])
	return s, nil
}

// KeyID returns the hex key id stamped into every sealed value, for logs and
// diagnostics. It reveals nothing useful about the key.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.keyID[:]) }

// Seal encrypts plaintext and binds it to associatedData, which is
// authenticated but not stored: Open must be given the same bytes.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	if s == nil || s.aead == nil {
		return nil, errNoKey
	}
	out := make([]byte, headerSize, headerSize+len(plaintext)+tagSize)
	out[0] = version1
	copy(out[1:1+keyIDSize], s.keyID[:])
	nonce := out[1+keyIDSize : headerSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: reading random nonce: %w", err)
	}
	return s.aead.Seal(out, nonce, plaintext, s.aad(out[:1+keyIDSize], associatedData)), nil
}

// Open authenticates and decrypts a value made by Seal with the same key and
// associated data. It never returns partial or unauthenticated plaintext.
func (s *Sealer) Open(ciphertext, associatedData []byte) ([]byte, error) {
	if s == nil || s.aead == nil {
		return nil, errNoKey
	}
	if len(ciphertext) < 1 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if ciphertext[0] != version1 {
		return nil, fmt.Errorf("%w: unknown version %d", ErrMalformed, ciphertext[0])
	}
	if len(ciphertext) < headerSize+tagSize {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(ciphertext))
	}
	if [keyIDSize]byte(ciphertext[1:1+keyIDSize]) != s.keyID {
		return nil, fmt.Errorf("%w: value key id %x, this key %s",
			ErrWrongKey, ciphertext[1:1+keyIDSize], s.KeyID())
	}
	nonce := ciphertext[1+keyIDSize : headerSize]
	plaintext, err := s.aead.Open(nil, nonce, ciphertext[headerSize:], s.aad(ciphertext[:1+keyIDSize], associatedData))
	if err != nil {
		return nil, ErrTampered
	}
	return plaintext, nil
}

// aad authenticates the version and key id along with the caller's data. The
// header has a fixed length, so the concatenation is unambiguous.
func (s *Sealer) aad(header, associatedData []byte) []byte {
	a := make([]byte, 0, len(header)+len(associatedData))
	a = append(a, header...)
	return append(a, associatedData...)
}
