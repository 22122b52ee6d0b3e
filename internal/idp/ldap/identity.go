package ldap

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/paddockhq/paddock/internal/idp"
)

func (c *connector) userAttrs() []string {
	attrs := []string{c.s.UsernameAttribute, c.s.DisplayNameAttribute, c.s.EmailAttribute, c.s.SubjectAttribute}
	if c.s.UserGroupAttribute != "" {
		attrs = append(attrs, c.s.UserGroupAttribute)
	}
	return attrs
}

// identity builds the Identity of entry e, reading its groups with svc.
// typed is the username as typed (or as last known), to pick among
// several stored values.
func (c *connector) identity(ctx context.Context, svc *conn, e *ldap.Entry, typed string) (*idp.Identity, error) {
	names := e.GetEqualFoldAttributeValues(c.s.UsernameAttribute)
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: entry %s has no %s", idp.ErrRefused, e.DN, c.s.UsernameAttribute)
	}
	username := names[0]
	for _, n := range names {
		if strings.EqualFold(n, typed) {
			username = n
		}
	}
	id := &idp.Identity{
		Subject:     subjectOf(e, c.s.SubjectAttribute),
		Username:    username,
		DisplayName: e.GetEqualFoldAttributeValue(c.s.DisplayNameAttribute),
		Email:       e.GetEqualFoldAttributeValue(c.s.EmailAttribute),
	}
	switch {
	case c.s.UserGroupAttribute != "":
		id.Groups = c.groupsFromDNs(e.GetEqualFoldAttributeValues(c.s.UserGroupAttribute))
	case c.s.GroupFilter != "":
		filter := fill(c.s.GroupFilter, "{dn}", ldap.EscapeFilter(e.DN), "{username}", ldap.EscapeFilter(username))
		entries, err := svc.search(ctx, c.s.GroupSearchBase, ldap.ScopeWholeSubtree, filter, []string{c.s.GroupNameAttribute}, 0)
		if err != nil {
			return nil, c.searchError("group search", c.s.GroupSearchBase, err)
		}
		id.Groups = c.groupNames(entries)
	}
	return id, nil
}

// groupNames returns the entries' group names, sorted, without duplicates.
func (c *connector) groupNames(entries []*ldap.Entry) []string {
	var out []string
	for _, e := range entries {
		if n := e.GetEqualFoldAttributeValue(c.s.GroupNameAttribute); n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// groupsFromDNs names groups by their DN's first RDN value, keeping only
// those under GroupSearchBase when it is set.
func (c *connector) groupsFromDNs(dns []string) []string {
	base, _ := ldap.ParseDN(c.s.GroupSearchBase)
	var out []string
	for _, v := range dns {
		dn, err := ldap.ParseDN(v)
		if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
			continue
		}
		if c.s.GroupSearchBase != "" && !base.AncestorOfFold(dn) {
			continue
		}
		out = append(out, dn.RDNs[0].Attributes[0].Value)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// subjectOf is the entry's subject attribute (objectGUID as a GUID string),
// or its DN when it has none.
func subjectOf(e *ldap.Entry, attr string) string {
	raw := e.GetEqualFoldRawAttributeValue(attr)
	switch {
	case len(raw) == 0:
		return e.DN
	case strings.EqualFold(attr, "objectGUID") && len(raw) == 16:
		return formatGUID(raw)
	}
	return string(raw)
}

// subjectDN reports whether a subject is a DN (entries without the subject
// attribute), which entryUUID and GUID values never are.
func subjectDN(subject string) (*ldap.DN, bool) {
	if !strings.Contains(subject, "=") {
		return nil, false
	}
	dn, err := ldap.ParseDN(subject)
	return dn, err == nil && len(dn.RDNs) > 0
}

// subjectFilterValue is the escaped assertion value to find subject.
func subjectFilterValue(attr, subject string) string {
	if strings.EqualFold(attr, "objectGUID") {
		if raw, ok := parseGUID(subject); ok {
			var b strings.Builder
			for _, x := range raw {
				fmt.Fprintf(&b, "\\%02x", x)
			}
			return b.String()
		}
	}
	return ldap.EscapeFilter(subject)
}

// guidOrder maps the text form's bytes to the wire order: AD stores the
// first three fields little-endian.
var guidOrder = [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}

func formatGUID(raw []byte) string {
	var b [16]byte
	for i, j := range guidOrder {
		b[i] = raw[j]
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func parseGUID(s string) ([]byte, bool) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return nil, false
	}
	raw := make([]byte, 16)
	for i, j := range guidOrder {
		raw[j] = b[i]
	}
	return raw, true
}
