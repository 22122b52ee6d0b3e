package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/agent"
)

// agentsEnv names the file that turns TestAgentsProcess into the agent
// process of the memory measurement.
const agentsEnv = "PADDOCK_BENCH_AGENTS"

// agentsSpec is what the agent process runs.
type agentsSpec struct {
	Server, Checksum, Kubeconfig, StateDir string
	Tokens                                 []string
}

// memSample is the server process's memory at one moment, after a GC.
type memSample struct {
	rssKiB, heapInuse, sys uint64
	goroutines             int
}

func sampleMem(pid int) memSample {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{rssKiB: rss(pid), heapInuse: ms.HeapInuse, sys: ms.Sys, goroutines: runtime.NumGoroutine()}
}

// rss reads VmRSS (KiB) of a process; 0 if it cannot be read.
func rss(pid int) uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// memResult is the memory measurement: the server process before the
// clusters, with them registered, and with their agents connected; the
// agents run in a separate process so they are not counted.
type memResult struct {
	before, registered, connected memSample
	agentRSSKiB                   uint64
	clusters                      int
	connectTime                   time.Duration
}

// measureAgents registers n agent clusters, connects n agents from a child
// process (this test binary, TestAgentsProcess) and samples the memory of
// this process, which is the server's.
func measureAgents(t *testing.T, s *server, kubeconfig string, n int) memResult {
	t.Helper()
	res := memResult{clusters: n, before: sampleMem(os.Getpid())}
	spec := agentsSpec{Server: s.app.URL(), Checksum: s.checksum, Kubeconfig: kubeconfig, StateDir: t.TempDir()}
	ids := make([]string, n)
	for i := range n {
		c := s.register(fmt.Sprintf("mem-%03d", i), nil)
		ids[i], spec.Tokens = c.ID, append(spec.Tokens, c.Registration.Token)
	}
	res.registered = sampleMem(os.Getpid())
	specFile := filepath.Join(t.TempDir(), "agents.json")
	data, _ := json.Marshal(spec)
	if err := os.WriteFile(specFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAgentsProcess$")
	cmd.Env = append(os.Environ(), agentsEnv+"="+specFile)
	logFile, err := os.Create(filepath.Join(spec.StateDir, "agents.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stdin, err := cmd.StdinPipe() // closing it ends the agent process
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	s.waitActive(3*time.Minute, ids...)
	res.connectTime = time.Since(began)
	// Let a health round (every 10 s) pass over all of them before sampling.
	time.Sleep(12 * time.Second)
	res.connected = sampleMem(os.Getpid())
	res.agentRSSKiB = rss(cmd.Process.Pid)
	return res
}

// TestAgentsProcess is the agent side of the memory measurement; it runs
// only when measureAgents starts this binary, and stops when its stdin
// closes.
func TestAgentsProcess(t *testing.T) {
	file := os.Getenv(agentsEnv)
	if file == "" {
		t.Skipf("helper process of TestKubePaths (set %s=1 to run that)", EnvVar)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var spec agentsSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var wg sync.WaitGroup
	for i, tok := range spec.Tokens {
		wg.Go(func() {
			err := agent.Run(ctx, agent.Options{Server: spec.Server, Token: tok, Kubeconfig: spec.Kubeconfig,
				CAChecksum: spec.Checksum, StateFile: filepath.Join(spec.StateDir, fmt.Sprintf("agent-%03d", i)), Logger: log})
			if err != nil && ctx.Err() == nil {
				log.Error("agent stopped", "n", i, "err", err)
			}
		})
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	cancel()
	wg.Wait()
}
