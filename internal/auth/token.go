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

// tokenLen is the length of a token string: the prefix and 256 random bits.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// NewTokenSecret returns a fresh random token and the hash to store.
func NewTokenSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is the stored form of a token: hex SHA-256. A fast hash is right
// here: tokens carry 256 bits of entropy, unlike passwords.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// wellFormed rejects strings that cannot be a Paddock token without
// touching the store.
func wellFormed(secret string) bool {
	if len(secret) != tokenLen || !strings.HasPrefix(secret, TokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(secret[len(TokenPrefix):])
	return err == nil
}
