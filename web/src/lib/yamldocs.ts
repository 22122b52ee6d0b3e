// Multi-document YAML for the import page: every document parsed on its
// own, with the line it starts on, so an error can be shown precisely.
import { LineCounter, parseAllDocuments } from 'yaml'
import type { KObject } from './kube'

export interface Doc {
  /** 1-based position of the document in the file. */
  index: number
  /** 1-based line where the document starts. */
  line: number
  obj?: KObject
  error?: string
}

export function parseDocs(text: string): Doc[] {
  const lc = new LineCounter()
  const out: Doc[] = []
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  let n = 0
  for (const d of docs) {
    const start = d.range?.[0] ?? 0
    const line = firstContentLine(text, start, lc)
    if (d.errors.length > 0) {
      n++
      const e = d.errors[0]
      const pos = lc.linePos(e.pos[0])
      out.push({ index: n, line, error: `line ${pos.line}, column ${pos.col}: ${firstLine(e.message)}` })
      continue
    }
    let value: unknown
    try {
      value = d.toJS({ maxAliasCount: 50 })
    } catch (e) {
      n++
      out.push({ index: n, line, error: e instanceof Error ? e.message : String(e) })
      continue
    }
    if (value === null || value === undefined) continue // empty document (comments, ---)
    n++
    out.push({ index: n, line, ...check(value) })
  }
  return out
}

function firstContentLine(text: string, offset: number, lc: LineCounter): number {
  let i = offset
  // Skip blank lines, comments and the separator so the line points at content.
  for (;;) {
    const end = text.indexOf('\n', i)
    const ln = text.slice(i, end < 0 ? undefined : end).trim()
    if (end < 0 || (ln !== '' && !ln.startsWith('#') && ln !== '---')) break
    i = end + 1
  }
  return lc.linePos(i).line
}

function firstLine(s: string) {
  return s.split('\n')[0]
}

function check(v: unknown): { obj?: KObject; error?: string } {
  if (typeof v !== 'object' || Array.isArray(v) || v === null) {
    return { error: 'a Kubernetes object must be a mapping with apiVersion, kind and metadata' }
  }
  const o = v as Record<string, unknown>
  if (o.kind === 'List' && Array.isArray(o.items)) {
    return { error: 'kind List is not supported here: put each item in its own document' }
  }
  const missing = ['apiVersion', 'kind'].filter((k) => typeof o[k] !== 'string' || o[k] === '')
  if (missing.length) return { error: `missing ${missing.join(' and ')}` }
  const md = o.metadata as Record<string, unknown> | undefined
  if (!md || typeof md !== 'object' || typeof md.name !== 'string' || md.name === '') {
    if (md && typeof md.generateName === 'string') return { error: 'metadata.generateName is not supported: give the object a name' }
    return { error: 'missing metadata.name' }
  }
  return { obj: o as unknown as KObject }
}
