// Objects as the YAML people edit: no managedFields, secrets masked until
// revealed.
import { stringify } from 'yaml'
import type { KObject } from './kube'

export function clean(o: KObject): KObject {
  const md = { ...o.metadata }
  delete md.managedFields
  return { ...o, metadata: md }
}

export const MASK = '••••••••'

export function masked(o: KObject, revealed: Set<string>): KObject {
  if (o.kind !== 'Secret' || !o.data) return o
  const data: Record<string, string> = {}
  for (const [k, v] of Object.entries(o.data as Record<string, string>)) data[k] = revealed.has(k) ? v : MASK
  return { ...o, data }
}

export const toYaml = (o: unknown) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })

/** decodeBase64 decodes a Secret value as UTF-8 text (binary shows as such). */
export function decodeBase64(v: string): string {
  try {
    const bin = atob(v)
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return `(binary, ${v.length} base64 characters)`
  }
}
