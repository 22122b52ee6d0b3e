import { describe, expect, it } from 'vitest'
import { parseDocs } from './yamldocs'
import { comparable, resolve } from './importer'
import type { ResourceType } from './kube'

const types: ResourceType[] = [
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: [] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, verbs: [] },
]

describe('parseDocs', () => {
  it('splits documents and reports where each starts', () => {
    const docs = parseDocs('# leading comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n')
    expect(docs.map((d) => [d.index, d.line, d.obj?.metadata.name])).toEqual([
      [1, 2, 'a'],
      [2, 8, 'b'],
    ])
  })

  it('reports a syntax error with its line and keeps the other documents', () => {
    const docs = parseDocs('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\nx: 1\n')
    expect(docs[0].obj?.metadata.name).toBe('a')
    expect(docs[1].error).toMatch(/^line 8/)
    expect(docs[1].line).toBe(5)
  })

  it('refuses documents that are not objects', () => {
    const docs = parseDocs('- a\n- b\n---\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\n')
    expect(docs.map((d) => d.error)).toEqual([
      'a Kubernetes object must be a mapping with apiVersion, kind and metadata',
      'missing apiVersion',
      'missing metadata.name',
    ])
  })

  it('refuses duplicate keys and alias bombs', () => {
    expect(parseDocs('apiVersion: v1\napiVersion: v2\nkind: X\nmetadata: {name: a}\n')[0].error).toMatch(/line 2/)
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
    expect(parseDocs(bomb)[0].error).toMatch(/alias/)
  })
})

describe('resolve', () => {
  it('fills the default namespace and names unknown kinds precisely', () => {
    const docs = parseDocs('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n, namespace: x}\n')
    const plan = resolve(docs, types, 'team-a')
    expect(plan[0].doc.obj?.metadata.namespace).toBe('team-a')
    expect(plan[0].outcome).toBe('create')
    expect(plan[1].message).toBe('document 2 (line 5): kind Widget in example.com/v1 is not served by this cluster')
    expect(plan[2].message).toMatch(/cluster-scoped/)
  })

  it('keeps an explicit namespace', () => {
    const plan = resolve(parseDocs('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: other}\n'), types, 'team-a')
    expect(plan[0].label).toBe('Deployment d in other')
  })
})

describe('comparable', () => {
  it('ignores server-managed fields and key order', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1', managedFields: [1] }, data: { x: '1', y: '2' } }
    const b = { kind: 'ConfigMap', apiVersion: 'v1', data: { y: '2', x: '1' }, metadata: { resourceVersion: '9', name: 'a' } }
    expect(comparable(a)).toBe(comparable(b))
    expect(comparable(a)).not.toBe(comparable({ ...b, data: { x: '2', y: '2' } }))
  })
})
