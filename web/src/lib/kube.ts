// Kubernetes through Paddock's proxy (/k8s/clusters/{id}): the same path
// kubectl uses, so every answer is exactly what the user may see.
import { api, errorOf, request } from './api'

export interface ResourceType {
  group: string
  version: string
  resource: string // plural
  kind: string
  namespaced: boolean
  verbs: string[]
  subresources?: string[]
}

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  creationTimestamp?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: { kind: string; name: string }[]
  managedFields?: unknown
  generation?: number
}

export interface KObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [k: string]: unknown
}

export const base = (cluster: string) => `/k8s/clusters/${encodeURIComponent(cluster)}`

export function groupVersion(t: { group: string; version: string }) {
  return t.group ? `${t.group}/${t.version}` : t.version
}

/** path of a collection or, with name, one object. */
export function resourcePath(cluster: string, t: ResourceType, ns?: string, name?: string, sub?: string): string {
  let p = base(cluster) + (t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`)
  if (t.namespaced && ns) p += `/namespaces/${encodeURIComponent(ns)}`
  p += `/${t.resource}`
  if (name) p += `/${encodeURIComponent(name)}`
  if (sub) p += `/${sub}`
  return p
}

export const kget = <T = KObject>(path: string, signal?: AbortSignal) => api<T>('GET', path, { signal })

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'

export interface TableColumn {
  name: string
  type: string
  format?: string
  description?: string
  priority: number
}
export interface TableRow {
  cells: unknown[]
  object: { metadata: ObjectMeta; kind?: string }
}
export interface Table {
  kind: 'Table'
  columnDefinitions: TableColumn[]
  rows: TableRow[]
  metadata: { resourceVersion?: string; continue?: string }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

/** readLines calls onLine for each newline-terminated line of a streamed body. */
export async function readLines(res: Response, onLine: (line: string) => void): Promise<void> {
  if (!res.body) return
  const reader = res.body.getReader()
  const dec = new TextDecoder()
  let buf = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buf += dec.decode(value, { stream: true })
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i))
      buf = buf.slice(i + 1)
    }
  }
  if (buf) onLine(buf)
}

/**
 * watch streams events of a collection from resourceVersion until the
 * signal aborts; it resolves when the server ends the watch (the caller
 * relists and watches again).
 */
export async function watch<T>(
  path: string,
  resourceVersion: string,
  onEvent: (e: WatchEvent<T>) => void,
  signal: AbortSignal,
  accept = 'application/json',
): Promise<void> {
  const sep = path.includes('?') ? '&' : '?'
  const res = await request('GET', `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`, {
    signal,
    accept,
  })
  await readLines(res, (line) => {
    if (!line.trim()) return
    try {
      onEvent(JSON.parse(line))
    } catch {
      /* a torn line at abort */
    }
  })
}

// ---- discovery ------------------------------------------------------------

interface APIResourceList {
  groupVersion: string
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[]
}

/** discover lists every resource type the cluster serves (preferred versions). */
export async function discover(cluster: string, signal?: AbortSignal): Promise<ResourceType[]> {
  const core = await kget<APIResourceList>(base(cluster) + '/api/v1', signal)
  const groups = await kget<{ groups: { name: string; preferredVersion: { groupVersion: string; version: string } }[] }>(
    base(cluster) + '/apis',
    signal,
  )
  const lists: APIResourceList[] = [core]
  const more = await Promise.all(
    groups.groups.map((g) =>
      kget<APIResourceList>(`${base(cluster)}/apis/${g.preferredVersion.groupVersion}`, signal).catch(() => null),
    ),
  )
  for (const l of more) if (l) lists.push(l)
  const out: ResourceType[] = []
  for (const l of lists) {
    const [group, version] = l.groupVersion.includes('/') ? l.groupVersion.split('/') : ['', l.groupVersion]
    const subs = new Map<string, string[]>()
    for (const r of l.resources) {
      const [res, sub] = r.name.split('/')
      if (sub) subs.set(res, [...(subs.get(res) ?? []), sub])
    }
    for (const r of l.resources) {
      if (r.name.includes('/')) continue
      out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, subresources: subs.get(r.name) })
    }
  }
  return out
}

/** findType resolves apiVersion+kind against discovery. */
export function findType(types: ResourceType[], apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return types.find((t) => t.group === group && t.version === version && t.kind === kind)
}

// ---- writes -----------------------------------------------------------------

export const FIELD_MANAGER = 'paddock-ui'

/** apply sends a server-side apply of obj; dryRun asks the server to validate only. */
export async function apply(
  cluster: string,
  t: ResourceType,
  obj: KObject,
  opts: { dryRun?: boolean; force?: boolean } = {},
): Promise<KObject> {
  const ns = t.namespaced ? obj.metadata.namespace : undefined
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER })
  if (opts.dryRun) q.set('dryRun', 'All')
  if (opts.force) q.set('force', 'true')
  const res = await request('PATCH', `${resourcePath(cluster, t, ns, obj.metadata.name)}?${q}`, {
    raw: JSON.stringify(obj),
    contentType: 'application/apply-patch+yaml',
  })
  return res.json()
}

export async function patch(path: string, body: unknown, type = 'application/merge-patch+json'): Promise<KObject> {
  const res = await request('PATCH', path, { raw: JSON.stringify(body), contentType: type })
  return res.json()
}

export async function remove(path: string): Promise<void> {
  await request('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } })
}

/** exists tells whether GET path answers (false on 404; other errors throw). */
export async function getOrNull(path: string): Promise<KObject | null> {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
  if (res.status === 404) return null
  if (!res.ok) throw await errorOf(res)
  return res.json()
}

/** age formats the time since an RFC 3339 timestamp like kubectl. */
export function age(ts?: string, now = Date.now()): string {
  if (!ts) return ''
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000))
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 120) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  return `${Math.floor(h / 24)}d`
}
