package ldap

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/paddockhq/paddock/internal/idp"
)

// Type is the "ldap" provider type. Its one secret is the service
// account's bindPassword.
var Type = idp.Type{Name: "ldap", SecretFields: []string{"bindPassword"}, New: New}

// Settings are an LDAP provider's non-secret settings.
type Settings struct {
	// URL is ldap://host[:389] or ldaps://host[:636].
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection before anything is sent.
	StartTLS bool `json:"startTLS"`
	// CAPEM holds the CA certificates to trust (else the system roots).
	CAPEM string `json:"caPEM,omitempty"`
	// BindDN is the service account that searches users and groups.
	BindDN         string `json:"bindDN"`
	UserSearchBase string `json:"userSearchBase"`
	// UserFilter finds the user; it must contain {username}, e.g.
	// "(uid={username})" or "(sAMAccountName={username})".
	UserFilter string `json:"userFilter"`
	// UsernameAttribute holds the username as stored (uid, sAMAccountName).
	UsernameAttribute    string `json:"usernameAttribute"`
	DisplayNameAttribute string `json:"displayNameAttribute,omitempty"` // default cn
	EmailAttribute       string `json:"emailAttribute,omitempty"`       // default mail
	// SubjectAttribute is the stable id; default entryUUID (AD: objectGUID).
	// Entries without it are identified by their DN.
	SubjectAttribute string `json:"subjectAttribute,omitempty"`
	GroupSearchBase  string `json:"groupSearchBase,omitempty"`
	// GroupFilter finds the user's groups with {dn} and/or {username}, e.g.
	// "(member={dn})", "(memberUid={username})", "(uniqueMember={dn})", or
	// for AD nested groups "(member:1.2.840.113556.1.4.1941:={dn})".
	GroupFilter        string `json:"groupFilter,omitempty"`
	GroupNameAttribute string `json:"groupNameAttribute,omitempty"` // default cn
	// UserGroupAttribute reads the groups from the user's entry instead
	// (memberOf: group DNs, named by their first RDN value).
	UserGroupAttribute string `json:"userGroupAttribute,omitempty"`
	TimeoutSeconds     int    `json:"timeoutSeconds,omitempty"` // default 10, per dial and operation
	PoolSize           int    `json:"poolSize,omitempty"`       // default 4 service connections
}

// New validates cfg and builds the connector; it does not dial.
func New(cfg idp.Config) (idp.Connector, error) {
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(cfg.Settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("ldap settings: %w", err)
	}
	c := &connector{s: s, bindPassword: cfg.Secrets["bindPassword"], log: cfg.Deps.Log}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("ldap settings: %w", err)
	}
	if c.log == nil {
		c.log = discardLogger
	}
	c.timeout = time.Duration(c.s.TimeoutSeconds) * time.Second
	c.idle = make(chan *conn, c.s.PoolSize)
	c.slots = make(chan struct{}, c.s.PoolSize)
	return c, nil
}

func (c *connector) validate() error {
	s := &c.s
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		bad("url", "required (ldap://host:389 or ldaps://host:636)")
	case err != nil:
		bad("url", "%v", err)
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		bad("url", "scheme must be ldap or ldaps, not %q", u.Scheme)
	case u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
		bad("url", "must be ldap[s]://host[:port] with nothing after the port")
	default:
		c.ldaps = u.Scheme == "ldaps"
		port := u.Port()
		if port == "" {
			port = map[bool]string{true: "636", false: "389"}[c.ldaps]
		}
		c.hostport = net.JoinHostPort(u.Hostname(), port)
		c.tlsConfig = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	if s.StartTLS && c.ldaps {
		bad("startTLS", "not with ldaps:// (already TLS)")
	}
	if err == nil && u != nil && u.Scheme == "ldap" && !s.StartTLS && !idp.Loopback(u.Hostname()) {
		bad("url", "ldap:// without startTLS would send passwords in clear: use ldaps:// or \"startTLS\": true (plain ldap only on loopback)")
	}
	if s.CAPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(s.CAPEM)) {
			bad("caPEM", "no PEM certificate found")
		} else if c.tlsConfig != nil {
			c.tlsConfig.RootCAs = pool
		}
	}
	checkDN := func(field, v string, required bool) {
		if v == "" {
			if required {
				bad(field, "required")
			}
			return
		}
		if _, err := ldap.ParseDN(v); err != nil {
			bad(field, "not a DN: %v", err)
		}
	}
	checkDN("bindDN", s.BindDN, true)
	if c.bindPassword == "" {
		bad("bindPassword", "required (an empty password is an anonymous bind)")
	}
	checkDN("userSearchBase", s.UserSearchBase, true)
	checkDN("groupSearchBase", s.GroupSearchBase, false)
	checkFilter := func(field, f string, placeholders ...string) {
		found := false
		for _, p := range placeholders {
			found = found || strings.Contains(f, p)
		}
		if !found {
			bad(field, "must contain %s", strings.Join(placeholders, " or "))
			return
		}
		if _, err := ldap.CompileFilter(fill(f, "{username}", "x", "{dn}", "cn=x")); err != nil {
			bad(field, "not an LDAP filter: %v", err)
		}
	}
	if s.UserFilter == "" {
		bad("userFilter", "required, e.g. (uid={username})")
	} else {
		checkFilter("userFilter", s.UserFilter, "{username}")
	}
	if s.UsernameAttribute == "" {
		bad("usernameAttribute", "required (uid or sAMAccountName)")
	}
	if s.GroupFilter != "" {
		checkFilter("groupFilter", s.GroupFilter, "{dn}", "{username}")
		if s.GroupSearchBase == "" {
			bad("groupSearchBase", "required with groupFilter")
		}
		if s.UserGroupAttribute != "" {
			bad("userGroupAttribute", "set either groupFilter or userGroupAttribute, not both")
		}
	}
	if s.TimeoutSeconds < 0 || s.TimeoutSeconds > 300 {
		bad("timeoutSeconds", "must be between 1 and 300")
	}
	if s.PoolSize < 0 || s.PoolSize > 100 {
		bad("poolSize", "must be between 1 and 100")
	}
	defaults(&s.DisplayNameAttribute, "cn")
	defaults(&s.EmailAttribute, "mail")
	defaults(&s.SubjectAttribute, "entryUUID")
	defaults(&s.GroupNameAttribute, "cn")
	if s.TimeoutSeconds == 0 {
		s.TimeoutSeconds = 10
	}
	if s.PoolSize == 0 {
		s.PoolSize = 4
	}
	return errors.Join(errs...)
}

func defaults(v *string, def string) {
	if *v == "" {
		*v = def
	}
}

// fill replaces placeholders in one pass, so a value containing "{dn}" is
// not substituted again.
func fill(filter string, oldnew ...string) string {
	return strings.NewReplacer(oldnew...).Replace(filter)
}
