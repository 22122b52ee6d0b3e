// Run-time server settings (/v1/settings): the form's state, client-side
// checks mirroring the server's (Go durations, bounds, default ≤ maximum,
// image references), the PATCH body of what changed, and the server's
// field-named errors ("field: message; field: message").

export type SettingName = 'tokenDefaultTTL' | 'tokenMaxTTL' | 'groupRefreshInterval' | 'sessionIdleTimeout' | 'agentImage'

export interface Setting {
  /** The effective value. */
  value: string
  source: 'flag' | 'set'
  /** The server flag's value: what a reset returns to. */
  default: string
  flag: string
  min?: string
  max?: string
  /** "0s" is accepted too and turns the setting off. */
  zeroDisables?: boolean
}

export type SettingsView = Record<SettingName, Setting> & {
  revision: number
  updatedAt?: string
  updatedBy?: string
  sessionTTL: string
}

export interface FieldInfo {
  name: SettingName
  label: string
  help: string
  kind: 'duration' | 'image'
}

export const FIELDS: FieldInfo[] = [
  { name: 'tokenDefaultTTL', label: 'Default API token lifetime', kind: 'duration',
    help: 'Lifetime of API tokens created without one. At most the maximum below.' },
  { name: 'tokenMaxTTL', label: 'Maximum API token lifetime', kind: 'duration',
    help: 'The longest lifetime an API token or a downloaded kubeconfig may ask for. Existing tokens keep their expiry.' },
  { name: 'groupRefreshInterval', label: 'Group refresh interval', kind: 'duration',
    help: 'How often groups are re-read from identity providers that can (LDAP). Someone removed upstream loses access at the next refresh.' },
  { name: 'sessionIdleTimeout', label: 'Session idle timeout', kind: 'duration',
    help: 'Browser and CLI login sessions unused for this long stop working (use is recorded once a minute, so they end up to a minute later). 0s turns it off. API tokens are not affected.' },
  { name: 'agentImage', label: 'Agent image', kind: 'image',
    help: 'Container image of the agent in new import manifests. Agents already installed keep theirs.' },
]

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** parseDuration reads a Go duration ("720h", "1h30m", "0s") as milliseconds; null when it is not one or is negative. */
export function parseDuration(s: string): number | null {
  const t = s.trim()
  if (t === '0') return 0
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/.test(t)) return null
  let ms = 0
  for (const m of t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]]
  return ms
}

/** humanDuration says a duration in words: "30 days", "1 hour 30 minutes", "off". */
export function humanDuration(s: string, zeroIsOff = false): string {
  const ms = parseDuration(s)
  if (ms === null) return ''
  if (ms === 0) return zeroIsOff ? 'off' : '0 seconds'
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, secs] of [['year', 365 * 86400], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    const n = Math.floor(rest / secs)
    if (n > 0 && parts.length < 2) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`)
    rest -= n * secs
  }
  return parts.join(' ') || 'under a second'
}

// The grammar of an image reference, as the server checks it.
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?'
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const IMAGE_RE = new RegExp(
  `^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?` +
    '(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$',
)

export function plausibleImage(s: string): boolean {
  return s.length <= 512 && IMAGE_RE.test(s)
}

/** One field of the form: "flag" follows the server flag, "set" holds value. */
export interface FieldState {
  mode: 'flag' | 'set'
  value: string
}

export type SettingsForm = Record<SettingName, FieldState>

export function formFrom(v: SettingsView): SettingsForm {
  const f = {} as SettingsForm
  for (const { name } of FIELDS) f[name] = { mode: v[name].source, value: v[name].value }
  return f
}

/** edit is the state after typing value into a field. */
export function edit(value: string): FieldState {
  return { mode: 'set', value }
}

/** reset is the state of a field given back to the server flag. */
export function reset(v: SettingsView, name: SettingName): FieldState {
  return { mode: 'flag', value: v[name].default }
}

/** effectiveMs is the duration a field will have once saved (null when unreadable). */
function effectiveMs(f: SettingsForm, v: SettingsView, name: SettingName): number | null {
  return parseDuration(f[name].mode === 'set' ? f[name].value : v[name].default)
}

/** validate mirrors the server's checks; errors by field. */
export function validate(f: SettingsForm, v: SettingsView): Partial<Record<SettingName, string>> {
  const e: Partial<Record<SettingName, string>> = {}
  for (const { name, kind } of FIELDS) {
    const st = f[name]
    if (st.mode !== 'set') continue
    if (kind === 'image') {
      if (!plausibleImage(st.value.trim())) e[name] = 'an image reference such as registry.example.com/paddock:v1.2'
      continue
    }
    const ms = parseDuration(st.value)
    const s = v[name]
    if (ms === null) {
      e[name] = 'a duration such as 720h, 90m or 1h30m'
    } else if (ms === 0 && s.zeroDisables) {
      continue
    } else if ((s.min && ms < (parseDuration(s.min) ?? 0)) || (s.max && ms > (parseDuration(s.max) ?? Infinity))) {
      e[name] = `from ${s.min} to ${s.max}${s.zeroDisables ? ', or 0s for off' : ''}`
    }
  }
  const def = effectiveMs(f, v, 'tokenDefaultTTL')
  const max = effectiveMs(f, v, 'tokenMaxTTL')
  if (!e.tokenDefaultTTL && !e.tokenMaxTTL && def !== null && max !== null && def > max) {
    const msg = 'the default lifetime may not exceed the maximum'
    if (f.tokenDefaultTTL.mode === 'set') e.tokenDefaultTTL = msg
    else e.tokenMaxTTL = msg
  }
  return e
}

/** sameValue compares two settings values (durations by length: "1h" = "60m"). */
function sameValue(kind: FieldInfo['kind'], a: string, b: string): boolean {
  if (kind === 'image') return a.trim() === b.trim()
  const x = parseDuration(a)
  return x !== null && x === parseDuration(b)
}

/** patchBody is the PATCH body of what changed (fields only; empty when nothing did). */
export function patchBody(f: SettingsForm, v: SettingsView): Partial<Record<SettingName, string>> {
  const body: Partial<Record<SettingName, string>> = {}
  for (const { name, kind } of FIELDS) {
    const st = f[name]
    const was = v[name]
    if (st.mode === 'flag') {
      if (was.source === 'set') body[name] = ''
    } else if (was.source === 'flag' || !sameValue(kind, st.value, was.value)) {
      body[name] = st.value.trim()
    }
  }
  return body
}

/** serverErrors splits a validation message into errors by field; what names no field is in rest. */
export function serverErrors(message: string): { fields: Partial<Record<SettingName, string>>; rest: string } {
  const fields: Partial<Record<SettingName, string>> = {}
  const rest: string[] = []
  const names = new Set<string>(FIELDS.map((x) => x.name))
  for (const part of message.split('; ')) {
    const m = /^(\w+): ([\s\S]*)$/.exec(part)
    if (m && names.has(m[1])) fields[m[1] as SettingName] = m[2]
    else rest.push(part)
  }
  return { fields, rest: rest.join('; ') }
}
