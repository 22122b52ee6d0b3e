package secrets

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKeyFileCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "master.key")
	key, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize {
		t.Fatalf("key is %d bytes", len(key))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %v, want 0700", di.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if want := base64.StdEncoding.EncodeToString(key) + "\n"; string(data) != want {
		t.Errorf("key file holds %q, want %q", data, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("key dir holds %d entries, want only the key file", len(entries))
	}

	again, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, again) {
		t.Fatal("second load returned a different key")
	}
}

func TestLoadOrCreateKeyFileReadsExisting(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, KeySize)
	path := filepath.Join(t.TempDir(), "k")
	// No trailing newline and surrounding spaces are tolerated.
	if err := os.WriteFile(path, []byte("  "+base64.StdEncoding.EncodeToString(key)+" \r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, key) {
		t.Fatal("loaded key differs from the file's")
	}
}

func TestLoadOrCreateKeyFileRejectsMalformed(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	good := base64.StdEncoding.EncodeToString(make([]byte, KeySize))
	tests := map[string]string{
		"empty":       "",
		"blank":       " \n\n",
		"not base64":  "this is not a key!!\n",
		"short key":   short + "\n",
		"long key":    base64.StdEncoding.EncodeToString(make([]byte, 64)) + "\n",
		"two lines":   good + "\n" + good + "\n",
		"raw bytes":   string(make([]byte, KeySize)),
		"url base64":  strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, KeySize))),
		"no padding":  strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, KeySize)), "="),
		"key+garbage": good + "x",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if key, err := LoadOrCreateKeyFile(path); err == nil {
				t.Fatalf("loaded %x from a malformed key file", key)
			} else if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != content {
				t.Fatal("malformed key file was modified")
			}
		})
	}
}

func TestLoadOrCreateKeyFileConcurrentStartersAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateKeyFile(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("starter %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("starter %d got a different key than starter 0", i)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (temp files leaked)", len(entries))
	}
}

func TestLoadOrCreateKeyFileErrors(t *testing.T) {
	if _, err := LoadOrCreateKeyFile(""); err == nil {
		t.Error("empty path accepted")
	}
	dir := t.TempDir()
	if _, err := LoadOrCreateKeyFile(dir); err == nil {
		t.Error("a directory was accepted as key file")
	}
}
