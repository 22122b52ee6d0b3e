package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// GenerateKey returns a new random KeySize-byte key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: generating key: %w", err)
	}
	return key, nil
}

// LoadOrCreateKeyFile returns the key stored at path: one line holding the
// standard base64 of KeySize random bytes. When the file does not exist it is
// created, with mode 0600 in a directory created 0700 if needed.
//
// Creation is atomic and exclusive: the key is written and synced to a
// temporary file in the same directory, then hard-linked to path, which fails
// if path exists. Two processes starting together therefore agree on one key
// and nobody ever reads a half-written file. A key file that exists but does
// not hold a valid key is an error; it is never replaced, since that would
// make everything sealed with the old key unreadable.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("secrets: key file path is empty")
	}
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

func readKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: reading key file: %w", err)
	}
	return parseKey(path, data)
}

func parseKey(path string, data []byte) ([]byte, error) {
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return nil, fmt.Errorf("secrets: key file %s is empty (refusing to replace it; restore the key or remove the file to start over)", path)
	}
	if bytes.ContainsAny(text, "\r\n") {
		return nil, fmt.Errorf("secrets: key file %s has more than one line", path)
	}
	key := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(key, text)
	if err != nil {
		return nil, fmt.Errorf("secrets: key file %s is not valid base64: %w", path, err)
	}
	if n != KeySize {
		return nil, fmt.Errorf("secrets: key file %s holds a %d-byte key, want %d", path, n, KeySize)
	}
	return key[:n], nil
}

func createKeyFile(path string) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secrets: creating key directory: %w", err)
	}
	key, err := GenerateKey()
	if err != nil {
		return err
	}
	line := base64.StdEncoding.EncodeToString(key) + "\n"

	tmp, err := os.CreateTemp(dir, ".paddock-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("secrets: creating key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after the link, only the extra name goes
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: creating key file: %w", err)
	}
	if _, err := tmp.WriteString(line); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: writing key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: syncing key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secrets: writing key file: %w", err)
	}

	switch err := os.Link(tmpName, path); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		return nil // another process won the race; its key is complete
	default:
		// Some filesystems have no hard links; fall back to an exclusive
		// create, still never overwriting an existing file.
		if err := writeExclusive(path, line); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

func writeExclusive(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("secrets: creating key file: %w", err)
	}
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("secrets: writing key file: %w", err)
	}
	return nil
}

// syncDir makes the new directory entry durable; failure only weakens
// durability on crash, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
