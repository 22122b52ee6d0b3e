package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Redacted replaces every sensitive value.
const Redacted = "[REDACTED]"

var sensitive = []string{"password", "secret", "token", "key", "credential", "passphrase", "private", "cert", "kubeconfig"}

// sensitiveExact are field names that hold secrets without saying so.
var sensitiveExact = map[string]bool{"current": true, "new": true, "old": true}

// plainExact are field names that look sensitive but hold no secret (the
// token lifetimes of /v1/settings).
var plainExact = map[string]bool{"tokendefaultttl": true, "tokenmaxttl": true}

func isSensitive(field string) bool {
	f := strings.ToLower(field)
	if sensitiveExact[f] {
		return true
	}
	if plainExact[f] {
		return false
	}
	for _, s := range sensitive {
		if strings.Contains(f, s) {
			return true
		}
	}
	return false
}

// RedactBody returns a JSON-safe copy of a request body with the values of
// sensitive-looking fields replaced. A body that is not JSON is summarised,
// never stored verbatim (it might be a secret).
func RedactBody(body []byte) any {
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Sprintf("[%d bytes, not JSON]", len(body))
	}
	return redactValue(v)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if isSensitive(k) {
				out[k] = Redacted
			} else {
				out[k] = redactValue(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = redactValue(val)
		}
		return out
	case string:
		if len(t) > 1024 {
			return t[:1024] + "…"
		}
		return t
	}
	return v
}
