package ldap

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/paddockhq/paddock/internal/idp"
)

type connector struct {
	s            Settings // defaults applied
	bindPassword string
	hostport     string
	ldaps        bool
	tlsConfig    *tls.Config
	timeout      time.Duration
	log          *slog.Logger

	idle  chan *conn    // bound service connections, ready for reuse
	slots chan struct{} // one per service connection in use
	mu    sync.Mutex
	// closed is set by Close.
	closed bool
}

var (
	_ idp.PasswordConnector = (*connector)(nil)
	_ idp.Refresher         = (*connector)(nil)
	_ idp.GroupSearcher     = (*connector)(nil)
	_ idp.Checker           = (*connector)(nil)
)

// maxUsername bounds what is sent to the directory.
const maxUsername = 256

// Login finds the one entry matching the username, verifies the password
// by binding as it on a fresh connection, and reads its groups.
func (c *connector) Login(ctx context.Context, username, password string) (*idp.Identity, error) {
	if username == "" || password == "" || len(username) > maxUsername {
		// An empty password would be an unauthenticated bind, which succeeds.
		return nil, idp.ErrBadCredentials
	}
	svc, err := c.service(ctx)
	if err != nil {
		return nil, err
	}
	defer c.release(svc)
	filter := fill(c.s.UserFilter, "{username}", ldap.EscapeFilter(username))
	entries, err := svc.search(ctx, c.s.UserSearchBase, ldap.ScopeWholeSubtree, filter, c.userAttrs(), 2)
	if err != nil {
		return nil, c.searchError("user search", c.s.UserSearchBase, err)
	}
	switch {
	case len(entries) == 0:
		return nil, idp.ErrBadCredentials
	case len(entries) > 1:
		return nil, fmt.Errorf("%w: userFilter %s matches more than one entry under %s (%s, %s...)",
			idp.ErrRefused, filter, c.s.UserSearchBase, entries[0].DN, entries[1].DN)
	}
	if err := c.verifyPassword(ctx, entries[0].DN, password); err != nil {
		return nil, err
	}
	return c.identity(ctx, svc, entries[0], username)
}

// verifyPassword binds as dn on a connection of its own, closed after.
func (c *connector) verifyPassword(ctx context.Context, dn, password string) error {
	cn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	err = cn.do(ctx, func() error { return cn.l.Bind(dn, password) })
	switch {
	case err == nil:
		return nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		return idp.ErrBadCredentials
	case isTransport(err):
		return c.opError("user bind", err)
	default: // e.g. unwillingToPerform, confidentialityRequired
		return fmt.Errorf("%w: ldap %s: the directory refused the bind as %s: %v", idp.ErrRefused, c.hostport, dn, err)
	}
}

// Refresh finds the person again by Subject and re-reads their groups.
func (c *connector) Refresh(ctx context.Context, id *idp.Identity) (*idp.Identity, error) {
	if id == nil || id.Subject == "" {
		return nil, fmt.Errorf("%w: no subject to refresh", idp.ErrGone)
	}
	svc, err := c.service(ctx)
	if err != nil {
		return nil, err
	}
	defer c.release(svc)
	// The person must still match userFilter (an AD filter excluding
	// disabled accounts, say), not merely exist.
	still := fill(c.s.UserFilter, "{username}", ldap.EscapeFilter(id.Username))
	var entries []*ldap.Entry
	if dn, ok := subjectDN(id.Subject); ok {
		base, _ := ldap.ParseDN(c.s.UserSearchBase)
		if !base.AncestorOfFold(dn) {
			return nil, fmt.Errorf("%w: subject %s is not under userSearchBase", idp.ErrGone, id.Subject)
		}
		entries, err = svc.search(ctx, id.Subject, ldap.ScopeBaseObject, still, c.userAttrs(), 2)
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, fmt.Errorf("%w: %s", idp.ErrGone, id.Subject)
		}
	} else {
		filter := "(&" + still + "(" + ldap.EscapeFilter(c.s.SubjectAttribute) + "=" + subjectFilterValue(c.s.SubjectAttribute, id.Subject) + "))"
		entries, err = svc.search(ctx, c.s.UserSearchBase, ldap.ScopeWholeSubtree, filter, c.userAttrs(), 2)
	}
	if err != nil {
		return nil, c.searchError("user search", c.s.UserSearchBase, err)
	}
	switch {
	case len(entries) == 0:
		return nil, fmt.Errorf("%w: %s=%s", idp.ErrGone, c.s.SubjectAttribute, id.Subject)
	case len(entries) > 1:
		return nil, fmt.Errorf("%w: %d entries have %s %s", idp.ErrRefused, len(entries), c.s.SubjectAttribute, id.Subject)
	}
	return c.identity(ctx, svc, entries[0], id.Username)
}

// SearchGroups lists up to limit (default 100, at most 1,000) group names
// under GroupSearchBase containing query, sorted.
func (c *connector) SearchGroups(ctx context.Context, query string, limit int) ([]string, error) {
	if c.s.GroupSearchBase == "" {
		return nil, fmt.Errorf("%w: groupSearchBase is not set", idp.ErrUnavailable)
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	name := ldap.EscapeFilter(c.s.GroupNameAttribute)
	match := "(" + name + "=*)"
	if query != "" {
		match = "(" + name + "=*" + ldap.EscapeFilter(query) + "*)"
	}
	filter := "(&" + groupClasses + match + ")"
	svc, err := c.service(ctx)
	if err != nil {
		return nil, err
	}
	defer c.release(svc)
	entries, err := svc.search(ctx, c.s.GroupSearchBase, ldap.ScopeWholeSubtree, filter, []string{c.s.GroupNameAttribute}, limit)
	if err != nil {
		return nil, c.searchError("group search", c.s.GroupSearchBase, err)
	}
	return c.groupNames(entries), nil
}

// groupClasses are the object classes of groups in OpenLDAP, 389-ds and AD.
const groupClasses = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=groupOfURLs)(objectClass=group))"

// Check dials (with TLS as configured), binds as the service account and
// reads the search bases, returning the first precise failure.
func (c *connector) Check(ctx context.Context) error {
	cn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	if err := c.serviceBind(ctx, cn); err != nil {
		return err
	}
	for _, b := range []struct{ what, dn string }{{"user search base", c.s.UserSearchBase}, {"group search base", c.s.GroupSearchBase}} {
		if b.dn == "" {
			continue
		}
		if _, err := cn.search(ctx, b.dn, ldap.ScopeBaseObject, "(objectClass=*)", []string{"1.1"}, 1); err != nil {
			return c.searchError(b.what, b.dn, err)
		}
	}
	return nil
}

func (c *connector) searchError(what, base string, err error) error {
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return fmt.Errorf("%w: ldap %s: %s %q not found", idp.ErrUnavailable, c.hostport, what, base)
	}
	return c.opError(what+" under "+base, err)
}
