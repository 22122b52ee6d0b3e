package settings

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// Hard bounds of the run-time settings (the flags are not held to them).
const (
	MinTokenTTL     = time.Minute
	MaxTokenTTL     = 5 * 365 * 24 * time.Hour // 5 years
	MinGroupRefresh = time.Minute
	MaxGroupRefresh = 7 * 24 * time.Hour
	// MinIdleTimeout is the shortest idle timeout other than 0 (off); the
	// longest is the session TTL.
	MinIdleTimeout = 5 * time.Minute
	maxImageLen    = 512
)

// Field names, as the API spells them.
const (
	FieldTokenDefaultTTL    = "tokenDefaultTTL"
	FieldTokenMaxTTL        = "tokenMaxTTL"
	FieldGroupRefresh       = "groupRefreshInterval"
	FieldSessionIdleTimeout = "sessionIdleTimeout"
	FieldAgentImage         = "agentImage"
)

// FieldError is one invalid setting.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every invalid setting.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Add records an invalid field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err is e, or nil when no field is invalid.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Validate checks the overrides o: each set value within its bounds, and
// the effective default TTL not above the effective maximum.
func Validate(o *model.Settings, d Defaults) error {
	e := &ValidationError{}
	between := func(field string, v *time.Duration, lo, hi time.Duration) {
		if v != nil && (*v < lo || *v > hi) {
			e.Add(field, "%s is outside %s to %s", FormatDuration(*v), FormatDuration(lo), FormatDuration(hi))
		}
	}
	between(FieldTokenDefaultTTL, o.TokenDefaultTTL, MinTokenTTL, MaxTokenTTL)
	between(FieldTokenMaxTTL, o.TokenMaxTTL, MinTokenTTL, MaxTokenTTL)
	between(FieldGroupRefresh, o.GroupRefresh, MinGroupRefresh, MaxGroupRefresh)
	if v := o.SessionIdleTimeout; v != nil && *v != 0 {
		if d.SessionTTL < MinIdleTimeout {
			e.Add(FieldSessionIdleTimeout, "must be 0s (off): sessions last only %s (--session-ttl)", FormatDuration(d.SessionTTL))
		} else {
			between(FieldSessionIdleTimeout, v, MinIdleTimeout, d.SessionTTL)
		}
	}
	if o.AgentImage != "" && !PlausibleImage(o.AgentImage) {
		e.Add(FieldAgentImage, "%q is not an image reference such as registry.example.com/paddock:v1.2 (at most %d characters)",
			o.AgentImage, maxImageLen)
	}
	if len(e.Fields) == 0 && (o.TokenDefaultTTL != nil || o.TokenMaxTTL != nil) {
		def, maxTTL := d.TokenDefaultTTL, d.TokenMaxTTL
		if o.TokenDefaultTTL != nil {
			def = *o.TokenDefaultTTL
		}
		if o.TokenMaxTTL != nil {
			maxTTL = *o.TokenMaxTTL
		}
		if def > maxTTL {
			field, other := FieldTokenDefaultTTL, FieldTokenMaxTTL
			if o.TokenDefaultTTL == nil {
				field, other = FieldTokenMaxTTL, FieldTokenDefaultTTL
			}
			e.Add(field, "the default TTL %s would exceed the maximum %s: change %s too",
				FormatDuration(def), FormatDuration(maxTTL), other)
		}
	}
	return e.Err()
}

// imageRE is the grammar of a container image reference (as in
// github.com/distribution/reference): [host[:port]/]path[:tag][@digest].
var imageRE = func() *regexp.Regexp {
	const (
		host      = `(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?`
		component = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
		tag       = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
		digest    = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	)
	return regexp.MustCompile(`^(?:` + host + `/)?` + component + `(?:/` + component + `)*(?::` + tag + `)?(?:@` + digest + `)?$`)
}()

// PlausibleImage reports whether s looks like a container image reference.
func PlausibleImage(s string) bool { return len(s) <= maxImageLen && imageRE.MatchString(s) }

// ParseDuration reads a Go duration such as "720h" or "1h30m".
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"720h\" or \"90m\"", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// FormatDuration writes d as a Go duration without trailing zero units:
// "720h", "1h30m", "5m", "0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
