// Identity provider forms: every setting of the four connector types
// (internal/idp/{ldap,oidc,saml,github}), what it means, the checks the
// server makes again, and the PUT /v1/auth/providers/{name} body. Secrets
// are write-only: the server says only that one is "set", and the form
// sends one only when the admin typed a new value.

export type ProviderType = 'ldap' | 'oidc' | 'saml' | 'github'
export type FieldKind = 'text' | 'textarea' | 'bool' | 'number' | 'list' | 'secret' | 'secret-textarea'

export interface FieldSpec {
  key: string
  label: string
  kind: FieldKind
  hint: string
  required?: boolean
  placeholder?: string
  /** Shown under "Advanced". */
  advanced?: boolean
}

export interface TypeSpec {
  type: ProviderType
  title: string
  intro: string
  /** password: the sign-in page asks for a username and password; redirect: a button. */
  login: 'password' | 'redirect'
  fields: FieldSpec[]
}

/** The admin's view of a provider (GET /v1/auth/providers/{name}). */
export interface ProviderView {
  name: string
  type: string
  displayName: string
  enabled: boolean
  accessMode: 'all' | 'restricted'
  allowedUsers: string[]
  allowedGroups: string[]
  settings: Record<string, unknown>
  secrets: Record<string, string>
  callbackURL?: string
  updatedAt: string
}

export interface TestResult {
  ok: boolean
  steps: { name: string; ok: boolean; error?: string }[]
  username?: string
  groups?: string[]
}

const PEM = '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----'

export const TYPES: Record<ProviderType, TypeSpec> = {
  ldap: {
    type: 'ldap',
    title: 'LDAP / Active Directory',
    intro: 'People sign in with their directory username and password on the Paddock sign-in page. Paddock binds as a service account to find the user and their groups, then binds as the user to check the password.',
    login: 'password',
    fields: [
      { key: 'url', label: 'Server URL', kind: 'text', required: true, placeholder: 'ldaps://ldap.example.org:636', hint: 'ldaps://host:636, or ldap://host:389 with StartTLS. Plain ldap:// without StartTLS is refused (passwords would travel in clear) except to a server on this host.' },
      { key: 'startTLS', label: 'StartTLS', kind: 'bool', hint: 'Upgrade an ldap:// connection to TLS before anything is sent. Not with ldaps:// (already TLS).' },
      { key: 'caPEM', label: 'CA certificates (PEM)', kind: 'textarea', placeholder: PEM, hint: "The certificate authority of the directory's TLS certificate. Empty: the system's trusted roots." },
      { key: 'bindDN', label: 'Service account DN', kind: 'text', required: true, placeholder: 'cn=paddock,ou=services,dc=example,dc=org', hint: 'The account Paddock binds as to search users and groups. It needs read access only.' },
      { key: 'bindPassword', label: 'Service account password', kind: 'secret', required: true, hint: 'Stored encrypted and never shown again. An empty password would be an anonymous bind, which is refused.' },
      { key: 'userSearchBase', label: 'User search base', kind: 'text', required: true, placeholder: 'ou=people,dc=example,dc=org', hint: 'The DN under which users are searched (the whole subtree).' },
      { key: 'userFilter', label: 'User filter', kind: 'text', required: true, placeholder: '(uid={username})', hint: 'Finds the person; must contain {username} (escaped before use). OpenLDAP: (uid={username}); Active Directory: (sAMAccountName={username}).' },
      { key: 'usernameAttribute', label: 'Username attribute', kind: 'text', required: true, placeholder: 'uid', hint: 'The attribute holding the username as stored: uid, or sAMAccountName in Active Directory.' },
      { key: 'groupSearchBase', label: 'Group search base', kind: 'text', placeholder: 'ou=groups,dc=example,dc=org', hint: 'Where groups are searched; required with a group filter.' },
      { key: 'groupFilter', label: 'Group filter', kind: 'text', placeholder: '(member={dn})', hint: "Finds the person's groups with {dn} and/or {username}: (member={dn}), (memberUid={username}), (uniqueMember={dn}); AD nested groups: (member:1.2.840.113556.1.4.1941:={dn}). Empty: no groups, unless the user group attribute is set." },
      { key: 'groupNameAttribute', label: 'Group name attribute', kind: 'text', placeholder: 'cn', hint: 'The attribute naming a group (default cn). Groups appear in Paddock as "<provider>:<name>".', advanced: true },
      { key: 'userGroupAttribute', label: 'User group attribute', kind: 'text', placeholder: 'memberOf', hint: "Read the groups from the user's own entry instead (e.g. memberOf: group DNs, named by their first RDN value). Not together with a group filter.", advanced: true },
      { key: 'displayNameAttribute', label: 'Display name attribute', kind: 'text', placeholder: 'cn', hint: 'The attribute holding the person’s full name (default cn).', advanced: true },
      { key: 'emailAttribute', label: 'Email attribute', kind: 'text', placeholder: 'mail', hint: 'The attribute holding the email address (default mail).', advanced: true },
      { key: 'subjectAttribute', label: 'Unique ID attribute', kind: 'text', placeholder: 'entryUUID', hint: 'The stable ID that links a person to one Paddock user, even after a rename. Default entryUUID; Active Directory: objectGUID. Entries without it are identified by their DN.', advanced: true },
      { key: 'timeoutSeconds', label: 'Timeout (seconds)', kind: 'number', placeholder: '10', hint: 'Per connection attempt and per operation, 1-300 (default 10).', advanced: true },
      { key: 'poolSize', label: 'Service connections', kind: 'number', placeholder: '4', hint: 'Pooled service-account connections, 1-100 (default 4).', advanced: true },
    ],
  },
  oidc: {
    type: 'oidc',
    title: 'OpenID Connect',
    intro: 'People sign in at your OpenID provider (Keycloak, Okta, Entra ID, Google, Dex…) and come back to Paddock. Register Paddock there as a web application with the callback URL shown below.',
    login: 'redirect',
    fields: [
      { key: 'issuer', label: 'Issuer URL', kind: 'text', required: true, placeholder: 'https://idp.example.org/realms/main', hint: 'The provider’s issuer; Paddock reads <issuer>/.well-known/openid-configuration. https (http only on localhost).' },
      { key: 'clientID', label: 'Client ID', kind: 'text', required: true, hint: 'The client (application) ID registered at the provider.' },
      { key: 'clientSecret', label: 'Client secret', kind: 'secret', hint: 'Stored encrypted and never shown again. Empty for a public client (PKCE only).' },
      { key: 'scopes', label: 'Scopes', kind: 'list', placeholder: 'openid profile email', hint: 'Separated by spaces. Default openid profile email; openid is always asked. Add "groups" if your provider needs it to send groups.' },
      { key: 'usernameClaim', label: 'Username claim', kind: 'text', placeholder: 'preferred_username', hint: 'The ID token claim naming the user (default preferred_username; when absent: email, then sub).' },
      { key: 'groupsClaim', label: 'Groups claim', kind: 'text', placeholder: 'groups', hint: 'The claim listing the groups (default groups); it may be absent.' },
      { key: 'userinfoGroups', label: 'Read the userinfo endpoint', kind: 'bool', hint: 'Also read groups (and a missing username, email or name) from the userinfo endpoint.', advanced: true },
      { key: 'allowedAlgs', label: 'Signature algorithms', kind: 'list', placeholder: 'RS256 ES256', hint: 'ID token algorithms accepted (default RS256 ES256): RS*, ES*, PS*, EdDSA; never "none".', advanced: true },
      { key: 'caPEM', label: 'CA certificates (PEM)', kind: 'textarea', placeholder: PEM, hint: "Trusted for the provider's TLS besides the system roots.", advanced: true },
    ],
  },
  saml: {
    type: 'saml',
    title: 'SAML 2.0',
    intro: "People sign in at your SAML identity provider (ADFS, Okta, Shibboleth…). Give the IdP Paddock's metadata URL (below, once saved); assertions must be signed and carry a persistent NameID.",
    login: 'redirect',
    fields: [
      { key: 'idpMetadataURL', label: 'IdP metadata URL', kind: 'text', placeholder: 'https://idp.example.org/metadata', hint: 'Where Paddock fetches the IdP metadata (refreshed hourly). https (http only on localhost). Give this or the XML below, not both.' },
      { key: 'idpMetadataXML', label: 'IdP metadata XML', kind: 'textarea', placeholder: '<EntityDescriptor …>', hint: 'The IdP metadata itself, instead of a URL.' },
      { key: 'spCertPEM', label: 'Service provider certificate (PEM)', kind: 'textarea', required: true, placeholder: PEM, hint: 'Paddock signs its requests with it (and decrypts assertions with its RSA key). Make one with: openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=paddock -keyout sp.key -out sp.crt' },
      { key: 'spKeyPEM', label: 'Service provider private key (PEM)', kind: 'secret-textarea', required: true, hint: 'The key of that certificate. Stored encrypted and never shown again.' },
      { key: 'entityID', label: 'SP entity ID', kind: 'text', hint: "An absolute URI. Default: Paddock's metadata URL for this provider.", advanced: true },
      { key: 'usernameAttribute', label: 'Username attribute', kind: 'text', hint: 'The attribute (Name or FriendlyName) holding the username. Default: the NameID.' },
      { key: 'groupsAttribute', label: 'Groups attribute', kind: 'text', placeholder: 'groups', hint: 'The multi-valued attribute holding the groups (e.g. groups, memberOf). Empty: no groups.' },
      { key: 'displayNameAttribute', label: 'Display name attribute', kind: 'text', hint: 'The attribute holding the person’s full name (shown in Paddock).', advanced: true },
      { key: 'emailAttribute', label: 'Email attribute', kind: 'text', hint: 'The attribute holding the email address.', advanced: true },
      { key: 'allowedClockSkewSeconds', label: 'Allowed clock skew (seconds)', kind: 'number', placeholder: '60', hint: 'Tolerance for the assertion’s validity window, 0-180 (default 60).', advanced: true },
    ],
  },
  github: {
    type: 'github',
    title: 'GitHub',
    intro: 'People sign in with their GitHub account (github.com or GitHub Enterprise Server) through an OAuth app whose callback URL is shown below. Organizations and teams become groups "<org>" and "<org>:<team>".',
    login: 'redirect',
    fields: [
      { key: 'clientID', label: 'Client ID', kind: 'text', required: true, hint: "The OAuth app's client ID." },
      { key: 'clientSecret', label: 'Client secret', kind: 'secret', required: true, hint: 'Stored encrypted and never shown again.' },
      { key: 'loadTeams', label: 'Organizations and teams as groups', kind: 'bool', hint: 'Asks for the read:org scope. Needed to restrict sign-in to an organization or team.' },
      { key: 'baseURL', label: 'GitHub URL', kind: 'text', placeholder: 'https://github.com', hint: 'Default https://github.com; for Enterprise: https://ghe.example.com.', advanced: true },
      { key: 'apiURL', label: 'API URL', kind: 'text', placeholder: 'https://api.github.com', hint: 'Default https://api.github.com, or <GitHub URL>/api/v3 for Enterprise.', advanced: true },
      { key: 'caPEM', label: 'CA certificates (PEM)', kind: 'textarea', placeholder: PEM, hint: 'Trusted for the GitHub and API URLs besides the system roots.', advanced: true },
    ],
  },
}

export const isType = (t: string): t is ProviderType => t in TYPES
const isSecret = (f: FieldSpec) => f.kind === 'secret' || f.kind === 'secret-textarea'

export interface ProviderForm {
  /** true for a provider not yet saved (the name can still change). */
  isNew: boolean
  name: string
  type: ProviderType
  displayName: string
  enabled: boolean
  accessMode: 'all' | 'restricted'
  allowedUsers: string
  allowedGroups: string
  /** Settings and newly typed secrets, by field key. */
  values: Record<string, string | boolean>
  /** Secrets the server holds already. */
  secretsSet: Record<string, boolean>
}

export function emptyProviderForm(type: ProviderType, name: string = type): ProviderForm {
  const values: Record<string, string | boolean> = {}
  for (const f of TYPES[type].fields) values[f.key] = f.kind === 'bool' ? false : ''
  if (type === 'github') values.loadTeams = true
  if (type === 'ldap') values.userFilter = '(uid={username})'
  if (type === 'ldap') values.usernameAttribute = 'uid'
  return {
    isNew: true, name, type, displayName: '', enabled: false,
    // GitHub lets every github.com account in unless restricted: start restricted.
    accessMode: type === 'github' ? 'restricted' : 'all',
    allowedUsers: '', allowedGroups: '', values, secretsSet: {},
  }
}

export function formFromView(v: ProviderView): ProviderForm {
  if (!isType(v.type)) throw new Error(`unknown provider type ${v.type}`)
  const f = emptyProviderForm(v.type, v.name)
  for (const spec of TYPES[v.type].fields) {
    if (isSecret(spec)) continue
    const x = v.settings?.[spec.key]
    if (x === undefined || x === null) continue
    if (spec.kind === 'bool') f.values[spec.key] = Boolean(x)
    else if (Array.isArray(x)) f.values[spec.key] = x.join(' ')
    else f.values[spec.key] = String(x)
  }
  if (v.type === 'github' && v.settings?.loadTeams === undefined) f.values.loadTeams = true
  return {
    ...f, isNew: false, displayName: v.displayName === v.name ? '' : v.displayName, enabled: v.enabled,
    accessMode: v.accessMode === 'restricted' ? 'restricted' : 'all',
    allowedUsers: (v.allowedUsers ?? []).join(', '), allowedGroups: (v.allowedGroups ?? []).join(', '),
    secretsSet: Object.fromEntries(Object.keys(v.secrets ?? {}).map((k) => [k, true])),
  }
}

const words = (s: string) => [...new Set(s.split(/[\s,]+/).filter(Boolean))]

/** providerBody is the PUT /v1/auth/providers/{name} body: secrets only when typed. */
export function providerBody(f: ProviderForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: f.type, displayName: f.displayName.trim() || undefined, enabled: f.enabled, accessMode: f.accessMode,
    allowedUsers: f.accessMode === 'restricted' ? words(f.allowedUsers) : [],
    allowedGroups: f.accessMode === 'restricted' ? words(f.allowedGroups) : [],
  }
  for (const spec of TYPES[f.type].fields) {
    const v = f.values[spec.key]
    if (spec.kind === 'bool') {
      body[spec.key] = Boolean(v)
      continue
    }
    const s = typeof v === 'string' ? v : ''
    if (spec.kind === 'textarea' || spec.kind === 'secret-textarea') {
      if (s.trim()) body[spec.key] = s.trim() + '\n'
    } else if (spec.kind === 'list') {
      if (words(s).length) body[spec.key] = words(s)
    } else if (spec.kind === 'number') {
      if (s.trim()) body[spec.key] = Number(s)
    } else if (s.trim()) body[spec.key] = s.trim()
  }
  return body
}

/** toggleBody re-sends a stored provider with enabled changed (secrets kept). */
export function toggleBody(v: ProviderView, enabled: boolean): Record<string, unknown> {
  return {
    ...v.settings, type: v.type, displayName: v.displayName, enabled, accessMode: v.accessMode,
    allowedUsers: v.allowedUsers ?? [], allowedGroups: v.allowedGroups ?? [],
  }
}

const loopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i.test(host)

function urlProblem(s: string, schemes: string[], what: string): string {
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return `not a URL (${what})`
  }
  const scheme = u.protocol.replace(/:$/, '')
  if (!schemes.includes(scheme)) return `must start with ${schemes.map((x) => x + '://').join(' or ')}`
  if (!u.hostname) return 'needs a host'
  if (scheme === 'http' && !loopback(u.hostname)) return 'must use https (http only on localhost)'
  return ''
}

export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/

/** validateProvider mirrors the server's checks, field by field. */
export function validateProvider(f: ProviderForm): Record<string, string> {
  const e: Record<string, string> = {}
  const val = (k: string) => (typeof f.values[k] === 'string' ? (f.values[k] as string).trim() : '')
  if (!NAME_RE.test(f.name)) e.name = '1-32 lower-case letters, digits or "-"'
  else if (f.name === 'local') e.name = '"local" is the Paddock account provider'
  for (const spec of TYPES[f.type].fields) {
    if (!spec.required) continue
    if (isSecret(spec) ? !val(spec.key) && !f.secretsSet[spec.key] : !val(spec.key)) e[spec.key] = 'required'
  }
  const num = (k: string, lo: number, hi: number) => {
    const s = val(k)
    if (s && !(/^\d+$/.test(s) && Number(s) >= lo && Number(s) <= hi)) e[k] = `a whole number from ${lo} to ${hi}`
  }
  if (f.type === 'ldap') {
    const url = val('url')
    if (url) {
      const p = urlProblem(url, ['ldap', 'ldaps'], 'ldap://host:389 or ldaps://host:636')
      if (p) e.url = p
      else {
        const u = new URL(url)
        if (u.protocol === 'ldaps:' && f.values.startTLS) e.startTLS = 'not with ldaps:// (already TLS)'
        if ((u.pathname && u.pathname !== '/') || u.search) e.url = 'nothing may follow host:port'
        if (u.protocol === 'ldap:' && !f.values.startTLS && !loopback(u.hostname)) {
          e.url = 'ldap:// without StartTLS would send passwords in clear: use ldaps:// or turn StartTLS on'
        }
      }
    }
    if (val('userFilter') && !val('userFilter').includes('{username}')) e.userFilter = 'must contain {username}'
    const gf = val('groupFilter')
    if (gf && !gf.includes('{dn}') && !gf.includes('{username}')) e.groupFilter = 'must contain {dn} or {username}'
    if (gf && !val('groupSearchBase')) e.groupSearchBase = 'required with a group filter'
    if (gf && val('userGroupAttribute')) e.userGroupAttribute = 'set either the group filter or this, not both'
    num('timeoutSeconds', 1, 300)
    num('poolSize', 1, 100)
  }
  if (f.type === 'oidc' && val('issuer')) {
    const p = urlProblem(val('issuer'), ['https', 'http'], 'https://…')
    if (p) e.issuer = p
  }
  if (f.type === 'saml') {
    if (!val('idpMetadataURL') && !val('idpMetadataXML')) e.idpMetadataURL = 'give the metadata URL or the XML'
    else if (val('idpMetadataURL') && val('idpMetadataXML')) e.idpMetadataXML = 'give the URL or the XML, not both'
    else if (val('idpMetadataURL')) {
      const p = urlProblem(val('idpMetadataURL'), ['https', 'http'], 'https://…')
      if (p) e.idpMetadataURL = p
    }
    num('allowedClockSkewSeconds', 0, 180)
  }
  if (f.type === 'github') {
    for (const k of ['baseURL', 'apiURL']) {
      const p = val(k) && urlProblem(val(k), ['https', 'http'], 'https://…')
      if (p) e[k] = p
    }
  }
  if (f.accessMode === 'restricted' && !words(f.allowedUsers).length && !words(f.allowedGroups).length) {
    e.access = 'list at least one user or group, or nobody can sign in'
  }
  return e
}

/** testSummary is one line saying how a test went. */
export function testSummary(r: TestResult): string {
  if (r.ok) {
    const who = r.username ? ` Signed in as ${r.username}${r.groups?.length ? ` (groups: ${r.groups.join(', ')})` : ' (no groups)'}.` : ''
    return `Test passed: ${r.steps.map((s) => s.name).join(' and ') || 'provider built'} OK.${who}`
  }
  const failed = r.steps.filter((s) => !s.ok)
  return `Test failed at ${failed.map((s) => s.name).join(' and ')}:`
}
