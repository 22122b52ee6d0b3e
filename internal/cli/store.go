package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Session is a signed-in user of one server, as kept on disk.
type Session struct {
	Server    string    `json:"server"`
	Provider  string    `json:"provider"`
	Username  string    `json:"username"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	CAFile    string    `json:"caFile"`
}

// Dir is a config folder.
type Dir string

// DefaultDir is ~/.paddock.
func DefaultDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".paddock"), nil
}

// CA is where the pinned CA of the server key lives.
func (d Dir) CA(key string) string { return filepath.Join(string(d), "ca", key+".pem") }

// SessionFile is where the session of the server key lives.
func (d Dir) SessionFile(key string) string { return filepath.Join(string(d), "sessions", key+".json") }

// CacheFile is where the cached kubectl token of the server key lives.
func (d Dir) CacheFile(key string) string { return filepath.Join(string(d), "cache", key+".json") }

// NormalizeServer checks that server is an https URL and returns it
// without a trailing slash, with its key: host_port (port 443 when absent).
func NormalizeServer(server string) (string, string, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("--server must be an https URL such as https://paddock.example:8443, not %q", server)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	key := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, strings.Trim(u.Hostname(), "[]")+"_"+port)
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), key, nil
}

// writePrivate writes data to path atomically with mode 0600, creating
// its folder with mode 0700.
func writePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// SaveSession stores s for the server key.
func (d Dir) SaveSession(key string, s *Session) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(d.SessionFile(key), append(data, '\n'))
}

// ErrNoSession means nobody signed in to that server from here.
var ErrNoSession = errors.New("no session")

// LoadSession reads the session of the server key.
func (d Dir) LoadSession(key string) (*Session, error) {
	data, err := os.ReadFile(d.SessionFile(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", d.SessionFile(key), err)
	}
	return &s, nil
}
