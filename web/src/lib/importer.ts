// The import flow: resolve each parsed document against discovery, dry-run
// it with server-side apply, classify it (create / update / unchanged), and
// apply the documents the user chose.
import { apply, findType, getOrNull, resourcePath, type KObject, type ResourceType } from './kube'
import { errorText } from './api'
import type { Doc } from './yamldocs'

export type Outcome = 'create' | 'update' | 'unchanged' | 'error' | 'created' | 'updated' | 'skipped'

export interface Planned {
  doc: Doc
  type?: ResourceType
  /** label like "Deployment web (ns default)". */
  label: string
  outcome: Outcome
  message?: string
}

export function label(o: KObject | undefined, ns?: string): string {
  if (!o) return '(unreadable document)'
  return `${o.kind} ${o.metadata.name}${ns ? ` in ${ns}` : ''}`
}

/** resolve fills namespace defaults and finds each document's type; pure. */
export function resolve(docs: Doc[], types: ResourceType[], defaultNs: string): Planned[] {
  return docs.map((doc) => {
    if (doc.error || !doc.obj) {
      return { doc, label: `document ${doc.index}`, outcome: 'error', message: `document ${doc.index} (line ${doc.line}): ${doc.error}` }
    }
    const o = doc.obj
    const t = findType(types, o.apiVersion, o.kind)
    if (!t) {
      return {
        doc,
        label: label(o),
        outcome: 'error',
        message: `document ${doc.index} (line ${doc.line}): kind ${o.kind} in ${o.apiVersion} is not served by this cluster`,
      }
    }
    const obj: KObject = { ...o, metadata: { ...o.metadata } }
    if (t.namespaced) obj.metadata.namespace = o.metadata.namespace || defaultNs
    else if (o.metadata.namespace) {
      return { doc, type: t, label: label(o), outcome: 'error', message: `document ${doc.index} (line ${doc.line}): ${o.kind} is cluster-scoped and takes no namespace` }
    }
    return { doc: { ...doc, obj }, type: t, label: label(obj, obj.metadata.namespace), outcome: 'create' }
  })
}

/** comparable strips what the server changes on every write. */
export function comparable(o: KObject | null): string {
  if (!o) return ''
  const md = { ...o.metadata }
  delete md.managedFields
  delete md.resourceVersion
  delete md.generation
  const rest: Record<string, unknown> = { ...o, metadata: md }
  return stable(rest)
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(stable).join(',') + ']'
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable((v as Record<string, unknown>)[k])).join(',') + '}'
  }
  return JSON.stringify(v)
}

/** dryRun asks the cluster what applying each resolved document would do. */
export async function dryRun(cluster: string, plan: Planned[]): Promise<Planned[]> {
  return Promise.all(
    plan.map(async (p) => {
      if (p.outcome === 'error' || !p.type || !p.doc.obj) return p
      const o = p.doc.obj
      try {
        const current = await getOrNull(resourcePath(cluster, p.type, o.metadata.namespace, o.metadata.name))
        const after = await apply(cluster, p.type, o, { dryRun: true })
        if (!current) return { ...p, outcome: 'create' as Outcome, message: undefined }
        const same = comparable(current) === comparable(after)
        return { ...p, outcome: (same ? 'unchanged' : 'update') as Outcome, message: undefined }
      } catch (e) {
        return { ...p, outcome: 'error' as Outcome, message: `document ${p.doc.index} (line ${p.doc.line}): ${errorText(e)}` }
      }
    }),
  )
}

/** applyPlan applies every document whose dry-run passed, in order. */
export async function applyPlan(cluster: string, plan: Planned[]): Promise<Planned[]> {
  const out: Planned[] = []
  for (const p of plan) {
    if (p.outcome === 'error' || !p.type || !p.doc.obj) {
      out.push({ ...p, outcome: 'skipped', message: p.message })
      continue
    }
    try {
      await apply(cluster, p.type, p.doc.obj)
      out.push({ ...p, outcome: p.outcome === 'create' ? 'created' : p.outcome === 'unchanged' ? 'unchanged' : 'updated', message: undefined })
    } catch (e) {
      out.push({ ...p, outcome: 'error', message: `document ${p.doc.index} (line ${p.doc.line}): ${errorText(e)}` })
    }
  }
  return out
}

export const hasErrors = (plan: Planned[]) => plan.some((p) => p.outcome === 'error')
