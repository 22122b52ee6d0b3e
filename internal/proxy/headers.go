package proxy

import (
	"net/http"
	"strings"
)

// hopByHop are the RFC 9110 connection-specific headers (plus the
// non-standard Proxy-Connection). The reverse proxy drops them from
// ordinary requests; upgrade requests are written to the backend as
// received, so they are dropped here for both.
var hopByHop = []string{
	"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding",
}

// credentialHeaders carry a Paddock credential (bearer token, session
// cookie) that must never reach a cluster, or forwarding claims the client
// must not make for itself.
var credentialHeaders = []string{
	"Authorization", "Cookie",
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
	"X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-Ip",
}

// strippedPrefixes (lower case) name families of identity headers: the
// apiserver's impersonation headers (User, Group, Uid, Extra-*) and the
// request-header authenticator's defaults (X-Remote-User, -Group,
// -Extra-*), which an apiserver honours from a front proxy it trusts.
var strippedPrefixes = []string{"impersonate-", "x-remote-"}

// sanitize removes from h every header a client could use to change the
// identity the cluster sees or to leak a Paddock credential. Headers named
// in Connection go first: once removed, a "Connection: Impersonate-User"
// can no longer make a hop-by-hop stripper further down delete the
// Impersonate-User header the proxy sets. Connection itself is reduced to
// "Upgrade" for upgrade requests and removed otherwise.
func sanitize(h http.Header, upgrade bool) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" || (upgrade && strings.EqualFold(name, "Upgrade")) {
				continue
			}
			deleteFold(h, name)
		}
	}
	deleteFold(h, "Connection")
	if upgrade {
		h.Set("Connection", "Upgrade")
	} else {
		deleteFold(h, "Upgrade")
	}
	for _, name := range hopByHop {
		deleteFold(h, name)
	}
	for _, name := range credentialHeaders {
		deleteFold(h, name)
	}
	for name := range h {
		lower := strings.ToLower(name)
		for _, prefix := range strippedPrefixes {
			if strings.HasPrefix(lower, prefix) {
				delete(h, name)
			}
		}
	}
}

// deleteFold deletes every key of h equal to name under case folding. Go's
// servers canonicalize header keys, but a handler may be reached some other
// way, and a non-canonical key would survive h.Del.
func deleteFold(h http.Header, name string) {
	for key := range h {
		if strings.EqualFold(key, name) {
			delete(h, key)
		}
	}
}

// setIdentity makes the backend request impersonate user in groups, one
// Impersonate-Group value per group.
func setIdentity(h http.Header, user string, groups []string) {
	h.Set("Impersonate-User", user)
	h["Impersonate-Group"] = append([]string(nil), groups...)
}

// setForwarded records what the client asked for. X-Forwarded-For is added
// with the peer's address by the reverse proxy (and for upgrades by
// apimachinery), after sanitize removed the client's own claims.
func setForwarded(h http.Header, r *http.Request) {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	h.Set("X-Forwarded-Proto", proto)
	h.Set("X-Forwarded-Host", r.Host)
}
