// Package auth owns identities and credentials: local passwords (argon2id),
// bearer tokens (random, stored as hashes), login with rate limiting and
// lockout, the bootstrap admin, and the Principal that authenticated
// requests carry in their context. Identity providers plug in beneath it.
package auth
