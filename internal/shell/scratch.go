package shell

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// openScratchRoot creates dir (0711) when it does not exist and opens it,
// refusing one another user could have prepared or could change: a
// symlink, not a folder, not owned by the server's user, or writable by
// group or others. Every later file operation goes through the returned
// os.Root, which follows no symlink out of it. Stale session folders (a
// crash leaves them, with their kubeconfigs) are deleted; their names are
// returned.
func openScratchRoot(dir string) (root *os.Root, stale []string, err error) {
	if !filepath.IsAbs(dir) {
		return nil, nil, fmt.Errorf("the scratch root %s must be an absolute path", dir)
	}
	if err := os.Mkdir(dir, 0o711); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, nil, fmt.Errorf("creating the scratch root: %w", err)
	}
	if root, err = os.OpenRoot(dir); err != nil {
		return nil, nil, err
	}
	st, err := os.Lstat(dir)
	if err == nil {
		err = checkOwnFolder(dir, st)
	}
	if err == nil { // the folder opened is the one checked (no swap between)
		var opened os.FileInfo
		if opened, err = root.Stat("."); err == nil && !os.SameFile(st, opened) {
			err = fmt.Errorf("the scratch root %s changed while it was opened", dir)
		}
	}
	if err == nil && st.Mode().Perm() != 0o711 {
		err = root.Chmod(".", 0o711) // traversable (not listable) by the sandbox uids
	}
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	entries, _ := fs.ReadDir(root.FS(), ".")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "s-") {
			_ = root.RemoveAll(e.Name())
			stale = append(stale, e.Name())
		}
	}
	return root, stale, nil
}

func checkOwnFolder(dir string, st os.FileInfo) error {
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("the scratch root %s is a symbolic link; use a real folder", dir)
	case !st.IsDir():
		return fmt.Errorf("the scratch root %s is not a folder", dir)
	case fileUID(st) != os.Geteuid():
		return fmt.Errorf("the scratch root %s is owned by uid %d, not by this server's user (uid %d); remove it or choose another (--shell-scratch-root)",
			dir, fileUID(st), os.Geteuid())
	case st.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("the scratch root %s is writable by group or others (mode %o); use a private folder", dir, st.Mode().Perm())
	}
	return nil
}

func fileUID(st os.FileInfo) int {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid)
	}
	return -1
}

// newSessionDir creates a session folder of a random name in root,
// exclusively: s-<random>/ holding home/, ca.crt and kubeconfig, created
// with O_EXCL through root (no symlink is followed). It returns the name.
func newSessionDir(root *os.Root, uid int, ca, kubeconfig []byte) (string, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	name := "s-" + hex.EncodeToString(b[:])
	mode := os.FileMode(0o711) // root-owned: the sandbox uid may only traverse it
	if uid < 0 {
		mode = 0o700
	}
	if err := root.Mkdir(name, mode); err != nil {
		return "", err
	}
	d, err := root.OpenRoot(name)
	if err != nil {
		return name, err
	}
	defer d.Close()
	if err := d.Mkdir("home", 0o700); err != nil {
		return name, err
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{{"ca.crt", ca, 0o444}, {"kubeconfig", kubeconfig, 0o400}, {"kuberc", []byte(kuberc), 0o444}} {
		if err := writeNew(d, f.name, f.data, f.perm); err != nil {
			return name, err
		}
	}
	if uid >= 0 {
		for _, p := range []string{"home", "kubeconfig"} {
			if err := d.Lchown(p, uid, uid); err != nil {
				return name, err
			}
		}
	}
	return name, nil
}

// kuberc is the kubectl preferences file of the sandbox: it denies exec
// credential plugins (kubectl starting programs — itself, again and again
// — to get a token). The user can name another with --kuberc, which the
// front end refuses; the session's cgroup is the real bound.
const kuberc = `apiVersion: kubectl.config.k8s.io/v1beta1
kind: Preference
credentialPluginPolicy: DenyAll
`

func writeNew(d *os.Root, name string, data []byte, perm os.FileMode) error {
	f, err := d.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil { // not narrowed by the umask
		f.Close()
		return err
	}
	return f.Close()
}
