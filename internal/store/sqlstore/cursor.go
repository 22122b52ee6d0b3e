package sqlstore

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/paddockhq/paddock/internal/store"
)

// Cursors are opaque to callers: URL-safe base64 of a kind byte followed by
// the sort key of the last item returned. The kind byte makes a cursor of
// one list invalid for another.
const (
	cursorUsers byte = 'u'
	cursorAudit byte = 'a'
)

func encodeCursor(kind byte, key []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{kind}, key...))
}

// decodeCursor returns the key of a cursor of kind, or an error wrapping
// store.ErrBadCursor.
func decodeCursor(kind byte, cursor string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) == 0 || raw[0] != kind {
		return nil, fmt.Errorf("cursor %q: %w", truncate(cursor, 64), store.ErrBadCursor)
	}
	return raw[1:], nil
}

// Users are listed by lower-cased username, which is unique.
func userCursor(usernameLower string) string {
	return encodeCursor(cursorUsers, []byte(usernameLower))
}

func parseUserCursor(cursor string) (string, error) {
	key, err := decodeCursor(cursorUsers, cursor)
	if err != nil {
		return "", err
	}
	return string(key), nil
}

// Audit events are listed by (time, id), newest first.
func auditCursor(at, id int64) string {
	key := binary.BigEndian.AppendUint64(nil, uint64(at))
	return encodeCursor(cursorAudit, binary.BigEndian.AppendUint64(key, uint64(id)))
}

func parseAuditCursor(cursor string) (at, id int64, err error) {
	key, err := decodeCursor(cursorAudit, cursor)
	if err != nil {
		return 0, 0, err
	}
	if len(key) != 16 {
		return 0, 0, fmt.Errorf("cursor %q: %w", truncate(cursor, 64), store.ErrBadCursor)
	}
	return int64(binary.BigEndian.Uint64(key)), int64(binary.BigEndian.Uint64(key[8:])), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
