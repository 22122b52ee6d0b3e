package sqlstore

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/secrets"
)

const crashChildEnv = "SQLSTORE_CRASH_CHILD_DB"

// TestKill9KeepsAcknowledgedWrites runs a child process that creates users
// as fast as it can, reporting each one after CreateUser returns, kills it
// with SIGKILL mid-stream, and checks every reported user is in the database.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9KeepsAcknowledgedWrites$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, "SQLSTORE_CRASH_KEY="+base64.StdEncoding.EncodeToString(key))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
			if acked >= 300 {
				break
			}
		}
	}
	_ = cmd.Process.Kill() // SIGKILL: no deferred cleanup, no Close
	_ = cmd.Wait()
	if acked < 300 {
		t.Fatalf("child acknowledged only %d writes before exiting", acked+1)
	}

	sealer, _ := secrets.New(key)
	s := mustOpen(t, path, sealer)
	for i := 0; i <= acked; i++ {
		if _, err := s.GetUser(t.Context(), fmt.Sprintf("u%d", i)); err != nil {
			t.Fatalf("acknowledged write %d of %d lost after kill -9: %v", i, acked+1, err)
		}
	}
	if err := s.PutSecret(t.Context(), "after-crash", []byte("ok")); err != nil {
		t.Fatalf("database unusable after kill -9: %v", err)
	}
}

func crashChild(path string) {
	key, _ := base64.StdEncoding.DecodeString(os.Getenv("SQLSTORE_CRASH_KEY"))
	sealer, err := secrets.New(key)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	s, err := Open(context.Background(), path, sealer)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("u%d", i)
		if err := s.CreateUser(context.Background(), &model.User{ID: id, Username: id}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("ack %d\n", i)
	}
}
