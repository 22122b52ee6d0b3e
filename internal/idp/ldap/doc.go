// Package ldap signs people in against an LDAP directory (OpenLDAP, Active
// Directory, 389-ds...) with a username and password, re-reads their groups
// without the password, searches group names and tests the configuration.
//
// A sign-in searches UserSearchBase for UserFilter with {username} replaced
// by the filter-escaped username (so "*)(uid=*" matches nobody), using a
// pooled connection bound as BindDN. Exactly one entry must match. The
// password is then verified by a simple bind as that entry's DN on a fresh
// connection that is closed right after — hashes are never read or
// compared, and an empty password (an unauthenticated bind, which LDAP
// servers accept) is refused before anything is sent.
//
// Groups come from a search of GroupSearchBase with GroupFilter ({dn} and
// {username} replaced, escaped), or from the DNs in the user's
// UserGroupAttribute (the group name is the DN's first RDN value; with a
// GroupSearchBase, only DNs under it count). Nested groups:
//
//   - Active Directory: GroupFilter "(member:1.2.840.113556.1.4.1941:={dn})"
//     (LDAP_MATCHING_RULE_IN_CHAIN) returns every group the user is in,
//     directly or through other groups. AD's memberOf is direct only.
//   - OpenLDAP does not know that matching rule (the search returns nothing).
//     With the dynlist overlay configured as
//     "dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames*",
//     the user's memberOf lists nested groupOfNames groups too, so use
//     UserGroupAttribute "memberOf". "(member={dn})" stays direct only.
//
// The Subject is the entry's SubjectAttribute (entryUUID by default;
// objectGUID is rendered in the usual GUID text form) or, when the entry has
// none, its DN; Refresh finds the person again by it and returns
// idp.ErrGone once they are deleted.
//
// Every dial, TLS handshake and request is bounded by TimeoutSeconds (the
// context can only shorten it); transport failures and directory
// misconfiguration wrap idp.ErrUnavailable with a precise message. TLS is
// always verified (CAPEM or the system roots); there is no way to skip it.
package ldap
