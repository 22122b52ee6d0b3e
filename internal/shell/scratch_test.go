package shell

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scratch root another local user could have prepared or can change is
// refused: the session kubeconfig (with its token) must not land in their
// hands.
func TestScratchRootMustBeOurs(t *testing.T) {
	base := t.TempDir()
	theirs := filepath.Join(base, "theirs")
	if err := os.Mkdir(theirs, 0o777); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(theirs, link); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(open, 0o733)
	cases := map[string]string{link: "symbolic link", open: "writable by group or others", "relative": "absolute path"}
	if os.Geteuid() == 0 {
		foreign := filepath.Join(base, "foreign")
		if err := os.Mkdir(foreign, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(foreign, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		cases[foreign] = "owned by uid 4242"
	}
	for dir, want := range cases {
		if root, _, err := openScratchRoot(dir); err == nil || !strings.Contains(err.Error(), want) {
			if root != nil {
				root.Close()
			}
			t.Errorf("%s: %v, want %q", dir, err, want)
		}
	}
	if entries, _ := os.ReadDir(theirs); len(entries) > 0 {
		t.Errorf("something was written through the symlink: %v", entries)
	}
	// Refused by the runner too, with the reason.
	r := New(Config{Kubectl: "/bin/true", Relay: "127.0.0.1:1", ServerName: "x", CAPEM: []byte("x"), ScratchRoot: link})
	if err := r.Available(); r.cfg.Bwrap != "" && (err == nil || !strings.Contains(err.Error(), "symbolic link")) {
		t.Errorf("runner on a symlinked root: %v", err)
	}
}

// Session folders left by a crash (kubeconfigs with live tokens) are
// deleted at start; nothing else is.
func TestStaleSessionsSwept(t *testing.T) {
	dir := scratchRoot(t)
	if err := os.MkdirAll(filepath.Join(dir, "s-old", "home"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s-old", "kubeconfig"), []byte("token: pdk_old"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	root, stale, err := openScratchRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := os.Stat(filepath.Join(dir, "s-old")); !os.IsNotExist(err) || len(stale) != 1 || stale[0] != "s-old" {
		t.Errorf("stale session folder: %v %v", err, stale)
	}
	if _, err := os.Stat(filepath.Join(dir, "keep")); err != nil {
		t.Errorf("another file was removed: %v", err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o711 {
		t.Errorf("root mode %o", st.Mode().Perm())
	}
	// Session folders are made afresh, never reused.
	name, err := newSessionDir(root, -1, []byte("ca"), []byte("kc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Mkdir(name, 0o700); err == nil {
		t.Error("a session folder name can be created twice")
	}
}
