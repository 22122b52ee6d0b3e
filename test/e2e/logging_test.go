package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestLogFormatJSON checks that PADDOCK_LOG_FORMAT=json makes every line
// the server writes to stderr a JSON object, request logs included, and
// that PADDOCK_LOG_LEVEL=warn silences the per-request lines of successful
// requests.
func TestLogFormatJSON(t *testing.T) {
	s := start(t, options{env: append([]string{"PADDOCK_LOG_FORMAT=json", "PADDOCK_LOG_LEVEL=warn"}, bootstrapEnv...)})
	token := s.login("admin", bootstrapPassword)
	s.must("GET", "/v1/users", token, nil, http.StatusOK, nil)
	s.must("GET", "/v1/nope", token, nil, http.StatusNotFound, nil)
	s.stop()
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON with PADDOCK_LOG_FORMAT=json: %q", line)
			continue
		}
		if rec["level"] == "INFO" || rec["level"] == "DEBUG" {
			t.Errorf("%s line with PADDOCK_LOG_LEVEL=warn: %q", rec["level"], line)
		}
	}
}
