package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQuickStart follows the banner's instructions with the real curl: a
// server started without PADDOCK_BOOTSTRAP_PASSWORD prints a generated
// admin password once; it signs in, but until it is changed only /v1/me and
// the password change answer.
func TestQuickStart(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	s := start(t, options{})
	t.Logf("first start (new data dir) to /readyz: %s", s.Startup)
	password := generatedPassword(t, s)
	banner := s.Stdout()
	for _, want := range []string{
		"curl -sk " + s.URL + "/cacerts > paddock-ca.pem",
		"curl --cacert paddock-ca.pem " + s.URL + `/v1/auth/login -d '{"username":"admin","password":"..."}'`,
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner does not show %q:\n%s", want, banner)
		}
	}

	// curl -sk https://.../cacerts > paddock-ca.pem
	dir := t.TempDir()
	ca := runCurl(t, dir, "-sk", s.URL+"/cacerts")
	if !bytes.Equal(ca, s.CAPEM) {
		t.Fatalf("curl -sk /cacerts = %q, want %q", ca, s.CAPEM)
	}
	if err := os.WriteFile(filepath.Join(dir, "paddock-ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}

	// The documented login, byte for byte (curl -d sends
	// application/x-www-form-urlencoded).
	creds, _ := json.Marshal(map[string]string{"username": "admin", "password": password})
	out := runCurl(t, dir, "--cacert", "paddock-ca.pem", s.URL+"/v1/auth/login", "-d", string(creds))
	var login struct {
		Token string `json:"token"`
		User  user   `json:"user"`
	}
	if err := json.Unmarshal(out, &login); err != nil || login.Token == "" {
		t.Errorf("the documented quick-start login `curl --cacert paddock-ca.pem %s/v1/auth/login -d '...'` "+
			"returned no token: %s", s.URL, out)
		status, body := curlJSON(t, dir, "", "POST", s.URL+"/v1/auth/login", string(creds))
		if status != http.StatusOK || json.Unmarshal(body, &login) != nil || login.Token == "" {
			t.Fatalf("login with Content-Type: application/json: %d %s", status, body)
		}
	}
	if login.User.Username != "admin" || !login.User.MustChangePassword {
		t.Errorf("login user = %+v, want admin who must change the password", login.User)
	}
	tok := login.Token

	status, body := curlJSON(t, dir, tok, "GET", s.URL+"/v1/me", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"username":"admin"`) {
		t.Fatalf("GET /v1/me before the password change: %d %s", status, body)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/users", ""},
		{"POST", "/v1/users", `{"username":"early","password":"early-password-123"}`},
		{"GET", "/v1/tokens", ""},
		{"POST", "/v1/tokens", `{"description":"early"}`},
		{"GET", "/v1/audit", ""},
	} {
		status, body := curlJSON(t, dir, tok, r.method, s.URL+r.path, r.body)
		if status != http.StatusForbidden || errorCode(body) != "password_change_required" {
			t.Errorf("%s %s before the password change: %d %s; want 403 password_change_required", r.method, r.path, status, body)
		}
	}

	const newPassword = "quick-start-new-password"
	change, _ := json.Marshal(map[string]string{"current": password, "new": newPassword})
	if status, body := curlJSON(t, dir, tok, "POST", s.URL+"/v1/me/password", string(change)); status != http.StatusNoContent {
		t.Fatalf("POST /v1/me/password: %d %s", status, body)
	}
	status, body = curlJSON(t, dir, tok, "GET", s.URL+"/v1/users", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"username":"admin"`) {
		t.Fatalf("GET /v1/users after the password change: %d %s", status, body)
	}
	if status, body := curlJSON(t, dir, "", "POST", s.URL+"/v1/auth/login", string(creds)); status != http.StatusUnauthorized {
		t.Errorf("login with the old generated password: %d %s; want 401", status, body)
	}
	again, _ := json.Marshal(map[string]string{"username": "admin", "password": newPassword})
	if status, body := curlJSON(t, dir, "", "POST", s.URL+"/v1/auth/login", string(again)); status != http.StatusOK {
		t.Errorf("login with the new password: %d %s", status, body)
	}
	s.stop()
}

// generatedPassword waits for the banner and returns the password printed
// on the line after "generated password".
func generatedPassword(t *testing.T, s *server) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lines := strings.Split(s.Stdout(), "\n")
		for i, l := range lines {
			if !strings.Contains(l, "generated password") {
				continue
			}
			for _, next := range lines[i+1:] {
				if p := strings.TrimSpace(next); p != "" {
					return p
				}
			}
		}
	}
	t.Fatalf("no generated password on stdout:\n%s", s.Stdout())
	return ""
}

// runCurl runs curl with args in dir and returns its stdout.
func runCurl(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("curl", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// curlJSON sends a request with curl (JSON body when body is not empty,
// bearer token when tok is not empty) and returns the status and body.
func curlJSON(t *testing.T, dir, tok, method, url, body string) (int, []byte) {
	t.Helper()
	args := []string{"-sS", "--cacert", "paddock-ca.pem", "-X", method, "-w", "\n%{http_code}", url}
	if tok != "" {
		args = append(args, "-H", "Authorization: Bearer "+tok)
	}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	out := runCurl(t, dir, args...)
	i := bytes.LastIndexByte(out, '\n')
	status, err := strconv.Atoi(string(out[i+1:]))
	if i < 0 || err != nil {
		t.Fatalf("curl %s %s: no status in %q", method, url, out)
	}
	return status, out[:i]
}
