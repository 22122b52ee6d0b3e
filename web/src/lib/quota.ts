// Project quotas: the form's text ("cpu=4, memory=8Gi") and usage summed
// over the project's ResourceQuotas.

export function parseQuota(text: string): { quota: Record<string, string>; error?: string } {
  const quota: Record<string, string> = {}
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9./-]+)\s*=\s*([0-9.]+[a-zA-Z]*)$/.exec(part)
    if (!m) return { quota, error: `"${part}" is not resource=quantity (e.g. cpu=4, memory=8Gi, pods=100)` }
    quota[m[1]] = m[2]
  }
  return { quota }
}

export const quotaText = (q?: Record<string, string>) =>
  Object.entries(q ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')

const UNITS: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }

/** quantity converts a Kubernetes quantity to a number (NaN when unknown). */
export function quantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim())
  if (!m || !(m[2] in UNITS)) return NaN
  return parseFloat(m[1]) * UNITS[m[2]]
}

/** usage sums status.used of ResourceQuotas by resource. */
export function sumUsed(quotas: { status?: { used?: Record<string, string> } }[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const q of quotas) {
    for (const [k, v] of Object.entries(q.status?.used ?? {})) {
      const key = k.replace(/^requests\./, '')
      out[key] = (out[key] ?? 0) + quantity(v)
    }
  }
  return out
}
