package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every Paddock bearer token, so leaked tokens are easy
// to recognise and scan for.
const TokenPrefix = "pdk_"

// Prefixes of the cluster credentials: the one-time registration token in
// an import manifest, and the agent credential it is exchanged for.
const (
	RegistrationPrefix = "pdr_"
	AgentPrefix        = "pda_"
)

// NewTokenSecret returns a fresh random user token and the hash to store.
func NewTokenSecret() (secret, hash string) { return NewSecret(TokenPrefix) }

// NewSecret returns prefix + 256 random bits (base64url) and its hash.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// WellFormedSecret reports whether s has the prefix and length of a secret
// made by NewSecret(prefix).
func WellFormedSecret(prefix, s string) bool {
	if len(s) != len(prefix)+base64.RawURLEncoding.EncodedLen(32) || !strings.HasPrefix(s, prefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(prefix):])
	return err == nil
}

// HashToken is the stored form of a token: hex SHA-256. A fast hash is right
// here: tokens carry 256 bits of entropy, unlike passwords.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// wellFormed rejects strings that cannot be a Paddock token without
// touching the store.
func wellFormed(secret string) bool { return WellFormedSecret(TokenPrefix, secret) }
