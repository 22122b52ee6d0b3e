// Shapes and helpers of the access API (bindings, projects, templates).

export interface Subject {
  kind: 'User' | 'Group'
  name: string
}

export interface Binding {
  id: string
  subject: Subject
  roleTemplate: string
  cluster: string
  project?: string
  expiresAt?: string
  expired?: boolean
  createdBy: string
  createdAt: string
}

export interface Project {
  id: string
  cluster: string
  name: string
  description: string
  quota?: Record<string, string>
  namespaceQuota?: Record<string, string>
  namespaces?: string[]
  namespacesError?: string
}

export interface PolicyRule {
  verbs: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

export interface Template {
  name: string
  description: string
  context: 'cluster' | 'project'
  builtin: boolean
  rules: PolicyRule[]
  inherits?: string[]
  effectiveRules: PolicyRule[]
}

export interface Principal {
  kind: 'User' | 'Group'
  name: string
  displayName?: string
  provider?: string
}

/** expiryFrom turns "for N hours" into an RFC 3339 time (undefined: no expiry). */
export function expiryFrom(hours: number | '', now = Date.now()): string | undefined {
  if (hours === '' || !(hours > 0)) return undefined
  return new Date(now + hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** remaining says how long a binding still holds ("3h 20m", "expired"). */
export function remaining(expiresAt: string | undefined, now = Date.now()): string {
  if (!expiresAt) return 'no expiry'
  const ms = Date.parse(expiresAt) - now
  if (ms <= 0) return 'expired'
  const m = Math.round(ms / 60000)
  if (m < 60) return `${m}m left`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m left`
  return `${Math.floor(h / 24)}d left`
}

/** rulesText renders rules compactly ("get,list pods,services (\"\")"). */
export function ruleText(r: PolicyRule): string {
  if (r.nonResourceURLs?.length) return `${r.verbs.join(',')} ${r.nonResourceURLs.join(',')}`
  const groups = (r.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(',')
  const names = r.resourceNames?.length ? ` [${r.resourceNames.join(',')}]` : ''
  return `${r.verbs.join(',')} ${(r.resources ?? []).join(',')}${names} in ${groups || '—'}`
}

/** parseRules reads the rules editor's lines: "verbs | apiGroups | resources", comma lists, "core" for "". */
export function parseRules(text: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = []
  const errors: string[] = []
  text.split('\n').forEach((line, i) => {
    const l = line.trim()
    if (!l || l.startsWith('#')) return
    const parts = l.split('|').map((p) => p.trim())
    if (parts.length !== 3) {
      errors.push(`line ${i + 1}: write "verbs | apiGroups | resources"`)
      return
    }
    const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)
    const verbs = list(parts[0])
    const apiGroups = list(parts[1]).map((g) => (g === 'core' ? '' : g))
    const resources = list(parts[2])
    if (!verbs.length || !apiGroups.length || !resources.length) {
      errors.push(`line ${i + 1}: verbs, apiGroups and resources each need at least one entry`)
      return
    }
    rules.push({ verbs, apiGroups, resources })
  })
  return { rules, errors }
}

export function rulesToText(rules: PolicyRule[]): string {
  return rules
    .filter((r) => !r.nonResourceURLs?.length)
    .map((r) => `${r.verbs.join(', ')} | ${(r.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(', ')} | ${(r.resources ?? []).join(', ')}`)
    .join('\n')
}
