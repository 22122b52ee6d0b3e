// asciicast v2 (the format of Paddock's session recordings): a JSON header
// line, then one [seconds, code, data] event per line; "o" is output, "i"
// input, "r" a resize ("COLSxROWS").

export interface Cast {
  width: number
  height: number
  events: { t: number; code: string; data: string }[]
  duration: number
}

export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim())
  if (lines.length === 0) throw new Error('empty recording')
  const head = JSON.parse(lines[0])
  const events: Cast['events'] = []
  for (const l of lines.slice(1)) {
    try {
      const [t, code, data] = JSON.parse(l)
      if (typeof t === 'number' && typeof code === 'string' && typeof data === 'string') events.push({ t, code, data })
    } catch {
      /* a torn last line of an unfinished session */
    }
  }
  return { width: head.width || 80, height: head.height || 24, events, duration: events.length ? events[events.length - 1].t : 0 }
}

/** upTo returns the index of the first event after time t. */
export function upTo(c: Cast, t: number, from = 0): number {
  let i = from
  while (i < c.events.length && c.events[i].t <= t) i++
  return i
}
