// The cluster list's search box: words match the name, `key=value` and
// `key` match labels; every term must hold.
import type { Cluster } from './types'

export function matchCluster(c: Cluster, query: string): boolean {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean)
  const labels = c.labels ?? {}
  return terms.every((t) => {
    const eq = t.indexOf('=')
    if (eq > 0) {
      const k = t.slice(0, eq)
      const v = t.slice(eq + 1)
      return Object.entries(labels).some(([lk, lv]) => lk.toLowerCase() === k && lv.toLowerCase() === v)
    }
    if (t.endsWith(':')) return Object.keys(labels).some((k) => k.toLowerCase() === t.slice(0, -1))
    return c.name.toLowerCase().includes(t) || Object.entries(labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(t))
  })
}

/** memory turns a Kubernetes quantity into a short human size ("15.6 GiB"). */
export function humanMemory(q?: string): string {
  if (!q) return ''
  const m = /^([0-9.]+)([KMGTPE]i?)?$/.exec(q)
  if (!m) return q
  const mult: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 }
  const bytes = parseFloat(m[1]) * (mult[m[2] ?? ''] ?? 1)
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
}
