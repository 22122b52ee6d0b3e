// User administration: the create and reset forms (mirroring the server's
// rules in internal/api/apitypes and internal/auth, which check again) and
// the shape of a user's effective access (GET /v1/users/{id}/access).
import type { User } from './types'

export interface UserRecord extends User {
  createdAt: string
  updatedAt: string
}

export const MIN_PASSWORD = 12
export const MAX_PASSWORD = 256
const USERNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,62}$/

/** splitList reads "a, b c" as ["a", "b", "c"] without duplicates. */
export function splitList(s: string): string[] {
  return [...new Set(s.split(/[\s,]+/).filter(Boolean))]
}

export function passwordProblem(username: string, password: string): string {
  const n = [...password].length
  if (n < MIN_PASSWORD) return `at least ${MIN_PASSWORD} characters`
  if (n > MAX_PASSWORD) return `at most ${MAX_PASSWORD} characters`
  if (password.toLowerCase() === username.toLowerCase()) return 'must not equal the username'
  return ''
}

export interface NewUserForm {
  username: string
  displayName: string
  password: string
  confirm: string
  admin: boolean
  mustChangePassword: boolean
  groups: string
  globalRoles: string[]
}

export const emptyNewUser = (): NewUserForm => ({
  username: '',
  displayName: '',
  password: '',
  confirm: '',
  admin: false,
  mustChangePassword: true,
  groups: '',
  globalRoles: [],
})

export function validateNewUser(f: NewUserForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!USERNAME_RE.test(f.username)) e.username = '1-63 letters, digits, ".", "_", "@" or "-", starting with a letter or digit'
  if (new TextEncoder().encode(f.displayName).length > 256) e.displayName = 'at most 256 bytes'
  const p = passwordProblem(f.username, f.password)
  if (p) e.password = p
  else if (f.password !== f.confirm) e.confirm = 'the two passwords differ'
  const bad = splitList(f.groups).find((g) => g.includes(':') || g.length > 256)
  if (bad) e.groups = bad.includes(':') ? `"${bad}": local groups may not contain ":" (that names a provider's group)` : 'at most 256 bytes each'
  return e
}

/** newUserBody is the POST /v1/users body of the form. */
export function newUserBody(f: NewUserForm) {
  const groups = splitList(f.groups)
  return {
    username: f.username,
    password: f.password,
    displayName: f.displayName.trim() || undefined,
    admin: f.admin || undefined,
    mustChangePassword: f.mustChangePassword || undefined,
    groups: groups.length ? groups : undefined,
    globalRoles: f.globalRoles.length ? f.globalRoles : undefined,
  }
}

/** generatePassword makes a random temporary password (20 characters). */
export function generatePassword(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return [...random(20)].map((b) => alphabet[b % alphabet.length]).join('')
}

// Effective access.

export interface Binding {
  id: string
  subject: { kind: 'User' | 'Group'; name: string }
  roleTemplate: string
  cluster: string
  project?: string
  expiresAt?: string
  createdBy: string
  createdAt: string
}

export interface Grant {
  roleTemplate: string
  through: 'user' | 'group'
  group?: string
  binding: Binding
}

export interface UserAccess {
  user: UserRecord
  capabilities: string[]
  everywhere?: string
  partial?: boolean
  clusters: {
    id: string
    name: string
    roles: Grant[]
    projects: { id: string; name: string; roles: Grant[] }[]
  }[]
}

export interface AccessRow {
  key: string
  cluster: string
  /** "" for a cluster-wide role. */
  project: string
  role: string
  /** "directly" or "group <name>". */
  via: string
  binding: Binding
}

/** accessRows flattens an access answer into one row per grant, cluster roles first. */
export function accessRows(a: UserAccess): AccessRow[] {
  const out: AccessRow[] = []
  const row = (cluster: string, project: string, g: Grant): AccessRow => ({
    key: `${g.binding.id}`,
    cluster,
    project,
    role: g.roleTemplate,
    via: g.through === 'group' ? `group ${g.group}` : 'directly',
    binding: g.binding,
  })
  for (const c of a.clusters) {
    for (const g of c.roles) out.push(row(c.name, '', g))
    for (const p of c.projects) for (const g of p.roles) out.push(row(c.name, p.name, g))
  }
  return out
}

/** userGroups lists a user's groups with where they come from. */
export function userGroups(u: Pick<User, 'groups' | 'providerGroups'>): { name: string; source: string }[] {
  return [
    ...(u.groups ?? []).map((g) => ({ name: g, source: 'local' })),
    ...(u.providerGroups ?? []).map((g) => ({ name: g, source: g.includes(':') ? `provider ${g.split(':')[0]}` : 'provider' })),
  ]
}
