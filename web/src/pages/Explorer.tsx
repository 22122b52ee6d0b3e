// The cluster explorer: a live list of one resource type (or, for "_all",
// every type the cluster serves), limited to the namespaces the user may see.
import { useMemo, useState } from 'react'
import { age, type ResourceType, type TableRow } from '../lib/kube'
import { useDiscovery } from '../lib/discovery'
import { apiGroup, detailPath, explorerPath, KINDS } from '../lib/kinds'
import { useNamespaces } from '../lib/namespaces'
import { navigate, onLinkClick, useLocation } from '../lib/router'
import { useList } from '../lib/uselist'
import { VirtualTable, type Column } from '../components/VirtualTable'
import { ErrorBox, Loading } from '../components/ui'
import { useCluster } from '../components/Layout'
import { ScaleNodes } from './ScaleNodes'

export function NamespacePicker(props: { namespaces: string[] | null; value: string; onChange: (ns: string) => void; allowAll?: boolean }) {
  return (
    <select value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-label="Namespace" data-testid="ns-picker">
      {props.allowAll !== false && <option value="">All namespaces</option>}
      {(props.namespaces ?? []).map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  )
}

export function Explorer(props: { cluster: string; group: string; version: string; resource: string }) {
  const { cluster } = props
  const loc = useLocation()
  const ns = loc.query.get('ns') ?? ''
  const { types, error: dErr } = useDiscovery(cluster)
  const { namespaces } = useNamespaces(cluster)
  // Built-in kinds list at once; discovery (for CRDs and verbs) follows.
  const t = useMemo(
    () =>
      types?.find((x) => x.group === apiGroup(props.group) && x.version === props.version && x.resource === props.resource) ??
      builtin(props.group, props.version, props.resource),
    [types, props.group, props.version, props.resource],
  )
  if (props.resource === '_all') return <AllResources cluster={cluster} types={types} error={dErr} ns={ns} />
  if (t && (types || !dErr)) return <ResourceList cluster={cluster} t={t} ns={ns} namespaces={namespaces} />
  if (dErr) return <ErrorBox error={dErr} />
  if (!types) return <Loading />
  if (!t) return <div className="card empty">This cluster does not serve {props.resource} in {props.group}/{props.version}.</div>
  return <ResourceList cluster={cluster} t={t} ns={ns} namespaces={namespaces} />
}

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']

function builtin(group: string, version: string, resource: string): ResourceType | undefined {
  const k = KINDS.find((x) => x.group === group && x.version === version && x.resource === resource)
  return k && { group: apiGroup(k.group), version: k.version, resource: k.resource, kind: k.kind, namespaced: k.namespaced, verbs: ALL_VERBS }
}

function ResourceList({ cluster, t, ns, namespaces }: { cluster: string; t: ResourceType; ns: string; namespaces: string[] | null }) {
  const list = useList(cluster, t, ns, namespaces)
  const [q, setQ] = useState('')
  const title = KINDS.find((k) => k.resource === t.resource && apiGroup(k.group) === t.group)?.title ?? t.kind
  const cols = list.columns.filter((c) => c.priority === 0)
  const nameIdx = cols.findIndex((c) => c.name === 'Name')
  const showNs = t.namespaced && !ns
  const rows = useMemo(() => {
    const lq = q.toLowerCase()
    const r = q ? list.rows.filter((x) => x.object.metadata.name.toLowerCase().includes(lq)) : list.rows
    return [...r].sort((a, b) =>
      (a.object.metadata.namespace ?? '').localeCompare(b.object.metadata.namespace ?? '') || a.object.metadata.name.localeCompare(b.object.metadata.name),
    )
  }, [list.rows, q])
  const columns: Column<TableRow>[] = []
  if (showNs) columns.push({ title: 'Namespace', width: 'minmax(100px, 1fr)', render: (r) => r.object.metadata.namespace })
  cols.forEach((c, i) => {
    const colIdx = list.columns.indexOf(c)
    columns.push({
      title: c.name,
      width: i === nameIdx ? 'minmax(160px, 2fr)' : c.name === 'Age' ? '70px' : 'minmax(70px, 1fr)',
      render: (r) => {
        const md = r.object.metadata
        if (i === nameIdx) {
          return (
            <a href={detailPath(cluster, t.group, t.version, t.resource, md.namespace, md.name)} onClick={onLinkClick}>
              {md.name}
            </a>
          )
        }
        if (c.name === 'Age') return age(md.creationTimestamp)
        const v = r.cells[colIdx]
        return v === null || v === undefined ? '' : String(v)
      },
    })
  })
  if (t.resource === 'pods' && t.group === '') {
    columns.push({
      title: '',
      width: '130px',
      render: (r) => (
        <span className="row" style={{ gap: 10 }}>
          <a href={`/c/${encodeURIComponent(cluster)}/logs/${encodeURIComponent(r.object.metadata.namespace!)}/${encodeURIComponent(r.object.metadata.name)}`} onClick={onLinkClick}>
            Logs
          </a>
          <a href={`/c/${encodeURIComponent(cluster)}/exec/${encodeURIComponent(r.object.metadata.namespace!)}/${encodeURIComponent(r.object.metadata.name)}`} onClick={onLinkClick}>
            Terminal
          </a>
        </span>
      ),
    })
  }
  return (
    <>
      <div className="row">
        <h1 style={{ marginRight: 'auto' }}>{title}</h1>
        {t.resource === 'nodes' && t.group === '' && <ScaleNodesButton cluster={cluster} />}
        {t.namespaced && (
          <NamespacePicker namespaces={namespaces} value={ns} onChange={(n) => navigate(explorerPath(cluster, t.group, t.version, t.resource, n))} />
        )}
      </div>
      <ErrorBox error={list.error} />
      <div className="card flush">
        <div className="row" style={{ padding: 12, borderBottom: '1px solid var(--line)' }}>
          <input placeholder={`Filter ${title.toLowerCase()} by name`} value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 300 }} aria-label="Filter" />
          <span className="muted small" data-testid="row-count">
            {list.loading ? (rows.length ? `${rows.length} items so far, loading…` : 'Loading…') : `${rows.length} ${rows.length === 1 ? 'item' : 'items'}`}
          </span>
        </div>
        <VirtualTable rows={rows} columns={columns} rowKey={(r) => r.object.metadata.uid ?? `${r.object.metadata.namespace}/${r.object.metadata.name}`} testId="resource-table"
          empty={list.loading ? 'Loading…' : `No ${title.toLowerCase()}${ns ? ` in ${ns}` : ''}.`} />
      </div>
    </>
  )
}

function AllResources({ cluster, types, error, ns }: { cluster: string; types: ResourceType[] | null; error: unknown; ns: string }) {
  const [q, setQ] = useState('')
  if (error) return <ErrorBox error={error} />
  if (!types) return <Loading />
  const listable = types.filter((t) => t.verbs.includes('list') && (!q || `${t.kind} ${t.resource} ${t.group}`.toLowerCase().includes(q.toLowerCase())))
  const byGroup = new Map<string, ResourceType[]>()
  for (const t of listable) byGroup.set(t.group || 'core', [...(byGroup.get(t.group || 'core') ?? []), t])
  return (
    <>
      <div className="row">
        <h1 style={{ marginRight: 'auto' }}>All resources</h1>
        <input placeholder="Find a resource type" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Find a resource type" />
      </div>
      <div className="card" style={{ columns: '3 260px', columnGap: 24 }}>
        {[...byGroup.entries()]
          .sort(([a], [b]) => (a === 'core' ? -1 : b === 'core' ? 1 : a.localeCompare(b)))
          .map(([g, ts]) => (
            <div key={g} style={{ breakInside: 'avoid', marginBottom: 14 }}>
              <div className="muted small" style={{ fontWeight: 600 }}>{g}</div>
              {ts.map((t) => (
                <div key={t.resource}>
                  <a href={explorerPath(cluster, t.group, t.version, t.resource, t.namespaced ? ns : '')} onClick={onLinkClick}>
                    {t.kind}
                  </a>{' '}
                  <span className="muted small">{t.namespaced ? '' : 'cluster-wide'}</span>
                </div>
              ))}
            </div>
          ))}
      </div>
    </>
  )
}

function ScaleNodesButton({ cluster }: { cluster: string }) {
  const c = useCluster(cluster)
  const [open, setOpen] = useState(false)
  if (!c?.provider) return null
  return (
    <>
      <button onClick={() => setOpen(true)}>Scale node pool</button>
      {open && <ScaleNodes cluster={c} onClose={() => setOpen(false)} />}
    </>
  )
}
