package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// A cluster's directory holds an owner file naming the test process, so
// directories left behind by a test binary that died without running its
// cleanups (`go test -timeout`, SIGKILL) can be recognized and removed by
// the next [Start] on the machine: each holds ~120 MB of etcd data.
const ownerFile = "owner"

const dirPrefix = "testenv-"

var sweepOnce sync.Once

// writeOwner records this process in dir.
func writeOwner(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(processID(os.Getpid())), 0o644)
}

// processID identifies a live process as "PID STARTTIME", robust against
// PID reuse; it is "" when the process does not exist.
func processID(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// Field 22 is the start time; fields after the parenthesized command
	// name (which may contain spaces) start at field 3.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return strconv.Itoa(pid) + " " + fields[19]
}

// sweepStaleDirs removes cluster directories whose owner process is gone.
// Directories without an owner file (kept with PADDOCK_TESTENV_KEEP, or not
// ours) are left alone.
func sweepStaleDirs() {
	sweepOnce.Do(func() {
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
		for _, dir := range matches {
			owner, err := os.ReadFile(filepath.Join(dir, ownerFile))
			if err != nil {
				continue
			}
			pidStr, _, _ := strings.Cut(string(owner), " ")
			pid, err := strconv.Atoi(pidStr)
			if err != nil || processID(pid) == string(owner) {
				continue
			}
			os.RemoveAll(dir)
		}
	})
}
