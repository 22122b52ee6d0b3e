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
