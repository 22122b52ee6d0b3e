package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// credentialStore keeps the agent credential across restarts, so the
// one-time registration token is needed only once.
type credentialStore interface {
	Load(ctx context.Context) (string, error) // "" when nothing is stored
	Save(ctx context.Context, token string) error
}

// fileStore keeps the credential in a file (agents run outside a cluster).
type fileStore struct{ path string }

func (f fileStore) Load(context.Context) (string, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(data)), err
}

func (f fileStore) Save(_ context.Context, token string) error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.path)
}

// memoryStore forgets the credential on exit (no --state-file given).
type memoryStore struct{ token string }

func (m *memoryStore) Load(context.Context) (string, error)       { return m.token, nil }
func (m *memoryStore) Save(_ context.Context, token string) error { m.token = token; return nil }

// secretStore keeps the credential in the agent's own Secret (in-cluster).
type secretStore struct {
	client          kubernetes.Interface
	namespace, name string
}

const secretKey = "agent-token"

func (s secretStore) Load(ctx context.Context) (string, error) {
	sec, err := s.client.CoreV1().Secrets(s.namespace).Get(ctx, s.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading secret %s/%s: %w", s.namespace, s.name, err)
	}
	return string(sec.Data[secretKey]), nil
}

func (s secretStore) Save(ctx context.Context, token string) error {
	sec, err := s.client.CoreV1().Secrets(s.namespace).Get(ctx, s.name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading secret %s/%s: %w", s.namespace, s.name, err)
	}
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	sec.Data[secretKey] = []byte(token)
	_, err = s.client.CoreV1().Secrets(s.namespace).Update(ctx, sec, metav1.UpdateOptions{})
	return err
}
