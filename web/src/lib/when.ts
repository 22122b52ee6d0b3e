// Times as people read them: a local date with "in 3 days" or "5 minutes ago".

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
  const n = Math.round(a / ms)
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
