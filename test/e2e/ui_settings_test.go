package e2e

import "testing"

// TestWebUISettings drives the server settings page in Chromium: values
// shown with their source, an invalid maximum refused before saving, a
// new maximum and idle timeout saved, the maximum reset to the flag; the
// API then reports exactly that.
func TestWebUISettings(t *testing.T) {
	browser := chromium(t)
	s := start(t, options{env: bootstrapEnv})
	runPlaywright(t, "settings.e2e.mjs",
		"PADDOCK_URL="+s.URL, "CHROMIUM="+browser, "ARTIFACTS="+artifacts(t, "ui-settings"),
		"ADMIN_PASSWORD="+bootstrapPassword)

	type setting struct{ Value, Source string }
	var got struct {
		TokenMaxTTL        setting `json:"tokenMaxTTL"`
		SessionIdleTimeout setting `json:"sessionIdleTimeout"`
		UpdatedBy          string  `json:"updatedBy"`
	}
	s.must("GET", "/v1/settings", s.login("admin", bootstrapPassword), nil, 200, &got)
	if got.TokenMaxTTL != (setting{"8760h", "flag"}) || got.SessionIdleTimeout != (setting{"30m", "set"}) || got.UpdatedBy != "admin" {
		t.Fatalf("settings after the page: %+v", got)
	}
}
