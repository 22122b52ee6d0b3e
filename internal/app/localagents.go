package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/paddockhq/paddock/internal/agent"
	apiclusters "github.com/paddockhq/paddock/internal/api/clusters"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/tunnel"
)

// localAgents runs, inside the server, the agents of clusters the local
// provider created: the same registration and tunnel as an agent anywhere,
// with its credential kept in the cluster's directory.
type localAgents struct {
	store      store.Store
	tunnel     *tunnel.Server
	url        string
	caChecksum string
	log        *slog.Logger
	ctx        context.Context // the server's run context

	mu      sync.Mutex
	running map[string]*runningAgent
}

type runningAgent struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Connect starts the cluster's agent unless it runs.
func (l *localAgents) Connect(ctx context.Context, clusterID, kubeconfig, dir string) error {
	l.mu.Lock()
	if l.running == nil {
		l.running = map[string]*runningAgent{}
	}
	if _, ok := l.running[clusterID]; ok {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	stateFile := filepath.Join(dir, "agent-credential")
	token, err := l.token(ctx, clusterID, stateFile)
	if err != nil {
		return err
	}
	actx, cancel := context.WithCancel(l.ctx)
	ra := &runningAgent{cancel: cancel, done: make(chan struct{})}
	l.mu.Lock()
	l.running[clusterID] = ra
	l.mu.Unlock()
	go func() {
		defer close(ra.done)
		err := agent.Run(actx, agent.Options{Server: l.url, Token: token, Kubeconfig: kubeconfig, CAChecksum: l.caChecksum,
			StateFile: stateFile, Logger: l.log.With("component", "local-agent", "cluster", clusterID)})
		if err != nil && !errors.Is(err, context.Canceled) && actx.Err() == nil {
			l.log.Warn("a local cluster's agent stopped", "cluster", clusterID, "err", err)
		}
		l.mu.Lock()
		if l.running[clusterID] == ra {
			delete(l.running, clusterID)
		}
		l.mu.Unlock()
	}()
	return nil
}

// Disconnect stops the cluster's agent and waits for it (5 s at most).
func (l *localAgents) Disconnect(clusterID string) {
	l.mu.Lock()
	ra := l.running[clusterID]
	delete(l.running, clusterID)
	l.mu.Unlock()
	if ra != nil {
		ra.cancel()
		select {
		case <-ra.done:
		case <-time.After(5 * time.Second):
		}
	}
	l.tunnel.Disconnect(clusterID)
}

// token is "" when the stored credential is still the cluster's, else a
// new registration token (the old credential stops working).
func (l *localAgents) token(ctx context.Context, clusterID, stateFile string) (string, error) {
	c, err := l.store.GetCluster(ctx, clusterID)
	if err != nil {
		return "", err
	}
	stored, _ := os.ReadFile(stateFile)
	if cred := strings.TrimSpace(string(stored)); cred != "" && c.AgentHash == auth.HashToken(cred) {
		return "", nil
	}
	if err := removeIfExists(stateFile); err != nil {
		return "", err
	}
	if c.ConnectedVia != model.ConnectAgent {
		return "", errors.New("the cluster is not connected through an agent")
	}
	return apiclusters.RearmAgent(ctx, l.store, clusterID, time.Now())
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
