package shell

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroups places each session's sandboxes in a cgroup of their own, with
// a memory, a process (pids) and a CPU limit: the limits the kernel holds
// however many processes kubectl starts (exec credential plugins starting
// kubectl again, say). Under cgroup v2 there is one folder per session;
// under v1 one per controller (memory, pids, cpu).
type cgroups struct {
	v2      bool
	parents []string // <hierarchy>/<parent name>, one per hierarchy
	lim     Limits
}

// Limits are the kernel-enforced bounds of one session's sandboxes.
type Limits struct {
	Memory int64   // bytes (512 MiB)
	Pids   int     // processes and threads (128)
	CPU    float64 // cores (1)
}

// v1Controllers are the cgroup v1 hierarchies a session is limited in.
var v1Controllers = []string{"memory", "pids", "cpu"}

// setupCgroups prepares <base>/<name> (v2) or <base>/{memory,pids,cpu}/<name>
// (v1) and removes the cgroups of stale sessions (those of other servers
// sharing the parent are left alone).
func setupCgroups(base, name string, lim Limits, stale []string) (*cgroups, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(base, &st); err != nil {
		return nil, fmt.Errorf("no cgroup file system at %s: %w", base, err)
	}
	cg := &cgroups{lim: lim}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		cg.v2, cg.parents = true, []string{filepath.Join(base, name)}
		// The controllers must be enabled in the root and in our parent.
		for _, ctl := range []string{"memory", "pids", "cpu"} {
			_ = os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+"+ctl), 0)
		}
	} else {
		for _, ctl := range v1Controllers {
			dir := filepath.Join(base, ctl)
			if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
				return nil, fmt.Errorf("no cgroup v2 at %s and no v1 %s controller at %s", base, ctl, dir)
			}
			cg.parents = append(cg.parents, filepath.Join(dir, name))
		}
	}
	for _, p := range cg.parents {
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating cgroup %s: %w", p, err)
		}
	}
	if cg.v2 {
		if err := os.WriteFile(filepath.Join(cg.parents[0], "cgroup.subtree_control"), []byte("+memory +pids +cpu"), 0); err != nil {
			return nil, fmt.Errorf("enabling the memory, pids and cpu controllers in %s: %w", cg.parents[0], err)
		}
	}
	probeName := "probe-" + strconv.Itoa(os.Getpid())
	for _, s := range append(stale, probeName) {
		(&cgroup{dirs: cg.dirsOf(s)}).remove()
	}
	// Check that a session cgroup with its limits can be made here.
	probe, err := cg.create(probeName)
	if err != nil {
		return nil, err
	}
	probe.remove()
	return cg, nil
}

// dirsOf are the folders of session cgroup name.
func (cg *cgroups) dirsOf(name string) []string {
	var dirs []string
	for _, p := range cg.parents {
		dirs = append(dirs, filepath.Join(p, name))
	}
	return dirs
}

// cgroup is one session's.
type cgroup struct{ dirs []string }

// create makes the session cgroup name with the limits set.
func (cg *cgroups) create(name string) (*cgroup, error) {
	c := &cgroup{}
	period := 100000
	quota := strconv.Itoa(int(cg.lim.CPU * float64(period)))
	var files [][2]string
	if cg.v2 {
		files = [][2]string{{"memory.max", strconv.FormatInt(cg.lim.Memory, 10)}, {"memory.swap.max", "0"},
			{"pids.max", strconv.Itoa(cg.lim.Pids)}, {"cpu.max", quota + " " + strconv.Itoa(period)}}
	} else {
		files = [][2]string{{"memory/memory.limit_in_bytes", strconv.FormatInt(cg.lim.Memory, 10)},
			{"memory/memory.memsw.limit_in_bytes", strconv.FormatInt(cg.lim.Memory, 10)},
			{"pids/pids.max", strconv.Itoa(cg.lim.Pids)},
			{"cpu/cpu.cfs_period_us", strconv.Itoa(period)}, {"cpu/cpu.cfs_quota_us", quota}}
	}
	for _, p := range cg.parents {
		dir := filepath.Join(p, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			c.remove()
			return nil, fmt.Errorf("creating the session's cgroup: %w", err)
		}
		c.dirs = append(c.dirs, dir)
	}
	for _, f := range files {
		path := filepath.Join(c.dirs[0], f[0])
		if !cg.v2 {
			ctl, file, _ := strings.Cut(f[0], "/")
			path = filepath.Join(cg.parentOf(ctl), name, file)
		}
		if err := os.WriteFile(path, []byte(f[1]), 0); err != nil {
			if strings.Contains(f[0], "swap") || strings.Contains(f[0], "memsw") {
				continue // no swap accounting: nothing to limit
			}
			c.remove()
			return nil, fmt.Errorf("setting %s: %w", path, err)
		}
	}
	return c, nil
}

// parentOf is the v1 parent folder of controller ctl.
func (cg *cgroups) parentOf(ctl string) string {
	for i, c := range v1Controllers {
		if c == ctl {
			return cg.parents[i]
		}
	}
	return ""
}

// add moves pid (and so everything it starts later) into the cgroup.
func (c *cgroup) add(pid int) error {
	for _, d := range c.dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("moving the sandbox into its cgroup: %w", err)
		}
	}
	return nil
}

// remove kills what still runs in the cgroup and deletes it.
func (c *cgroup) remove() {
	for _, d := range c.dirs {
		for try := 0; ; try++ {
			if err := unix.Rmdir(d); err == nil || errors.Is(err, os.ErrNotExist) || try >= 50 {
				break
			}
			data, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.dirs = nil
}
