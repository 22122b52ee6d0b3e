// API tokens of the signed-in user (/v1/tokens): the create form's
// lifetime choices (sent as a Go duration, bounded by the server's
// --token-max-ttl) and how times are shown.

export interface Token {
  id: string
  kind: 'api' | 'session'
  description: string
  createdAt: string
  expiresAt: string
  lastUsedAt?: string
  /** The token of this very request (the browser session). */
  current?: boolean
}

export interface CreatedToken extends Token {
  /** The secret: returned once, never again. */
  token: string
}

export const TTL_CHOICES: { value: string; label: string }[] = [
  { value: '', label: 'Server default' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '1 day' },
  { value: '168h', label: '7 days' },
  { value: '720h', label: '30 days' },
  { value: '2160h', label: '90 days' },
  { value: 'custom', label: 'Custom…' },
]

const UNIT_HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24, w: 168 }

/** customTTL reads "90m", "12h", "10d" or "2w" as a Go duration ("" when invalid). */
export function customTTL(s: string): string {
  const m = /^\s*(\d+)\s*([mhdw])\s*$/i.exec(s)
  if (!m || Number(m[1]) <= 0) return ''
  const unit = m[2].toLowerCase()
  if (unit === 'm') return `${Number(m[1])}m`
  return `${Number(m[1]) * UNIT_HOURS[unit]}h`
}

export interface TokenForm {
  description: string
  ttl: string
  custom: string
}

export function validateToken(f: TokenForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (new TextEncoder().encode(f.description).length > 256) e.description = 'at most 256 bytes'
  if (!f.description.trim()) e.description = 'say what the token is for (a script, CI…), so it can be recognised later'
  if (f.ttl === 'custom' && !customTTL(f.custom)) e.custom = 'a number and a unit: 90m, 12h, 10d or 2w'
  return e
}

/** tokenBody is the POST /v1/tokens body. */
export function tokenBody(f: TokenForm): { description: string; ttl?: string } {
  const ttl = f.ttl === 'custom' ? customTTL(f.custom) : f.ttl
  return { description: f.description.trim(), ttl: ttl || undefined }
}

/** relative says how far a time is from now: "in 3 days", "5 minutes ago", "just now". */
export function relative(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return ''
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return ''
  const d = t - now
  const a = Math.abs(d)
  if (a < 60_000) return 'just now'
  const units: [number, string][] = [
    [365 * 86_400_000, 'year'],
    [30 * 86_400_000, 'month'],
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ]
  const [ms, name] = units.find(([ms]) => a >= ms)!
  const n = Math.floor(a / ms)
  const text = `${n} ${name}${n === 1 ? '' : 's'}`
  return d > 0 ? `in ${text}` : `${text} ago`
}

/** when is a local date and time with its relative form. */
export function when(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return ''
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return ''
  return `${t.toLocaleString()} (${relative(iso, now)})`
}
