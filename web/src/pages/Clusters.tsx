// The cluster list: state, version, nodes and capacity, refreshed live,
// searchable by name and label; adding a cluster; kubeconfig downloads.
import { useEffect, useMemo, useState } from 'react'
import { download, errorText, get, listAll } from '../lib/api'
import { humanMemory, matchCluster } from '../lib/filter'
import { navigate, onLinkClick, useLocation } from '../lib/router'
import { useSession } from '../lib/session'
import type { Cluster } from '../lib/types'
import { VirtualTable, type Column } from '../components/VirtualTable'
import { Confirm, ErrorBox, StateBadge } from '../components/ui'
import { api } from '../lib/api'
import { AddCluster } from './AddCluster'
import { Progress } from './Progress'

const POLL_MS = 5000

export function useClusters(): { clusters: Cluster[] | null; error: unknown; reload: () => void } {
  const [clusters, setClusters] = useState<Cluster[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const ctl = new AbortController()
    let timer = 0
    let loaded = false
    const load = async () => {
      try {
        // The first page shows while the rest loads (the first load only).
        const first = !loaded
        setClusters(await listAll<Cluster>('/v1/clusters', ctl.signal, (part) => first && !ctl.signal.aborted && setClusters(part)))
        loaded = true
        setError(null)
      } catch (e) {
        if (!ctl.signal.aborted) setError(e)
      }
      if (!ctl.signal.aborted) timer = window.setTimeout(load, document.hidden ? POLL_MS * 4 : POLL_MS)
    }
    load()
    return () => {
      ctl.abort()
      clearTimeout(timer)
    }
  }, [tick])
  return { clusters, error, reload: () => setTick((t) => t + 1) }
}

async function downloadKubeconfig(id?: string, name = 'paddock') {
  const text = await get<string>(id ? `/v1/clusters/${encodeURIComponent(id)}/kubeconfig` : '/v1/kubeconfig')
  download(`${name}.kubeconfig.yaml`, text, 'application/yaml')
}

export function Clusters() {
  const { user } = useSession()
  const { clusters, error, reload } = useClusters()
  const progress = useLocation().query.get('progress')
  const [q, setQ] = useState('')
  const [adding, setAdding] = useState(false)
  const [dlErr, setDlErr] = useState('')
  const [deleting, setDeleting] = useState<Cluster | null>(null)
  const rows = useMemo(() => (clusters ?? []).filter((c) => matchCluster(c, q)), [clusters, q])
  const columns: Column<Cluster>[] = [
    {
      title: 'Name',
      width: 'minmax(180px, 2fr)',
      render: (c) =>
        ['provisioning', 'error', 'deprovisioning'].includes(c.state) ? (
          <a href={`/clusters?progress=${encodeURIComponent(c.id)}`} onClick={onLinkClick} data-testid="cluster-link">
            {c.name}
          </a>
        ) : (
          <a href={`/c/${encodeURIComponent(c.id)}`} onClick={onLinkClick} data-testid="cluster-link">
            {c.name}
          </a>
        ),
    },
    { title: 'State', width: '130px', render: (c) => <span title={c.stateReason}><StateBadge state={c.state} /></span> },
    { title: 'Version', width: '110px', render: (c) => c.kubernetesVersion || '—' },
    { title: 'Nodes', width: '70px', render: (c) => c.nodeCount },
    { title: 'CPU', width: '70px', render: (c) => c.capacity?.cpu ?? '—' },
    { title: 'Memory', width: '100px', render: (c) => humanMemory(c.capacity?.memory) || '—' },
    { title: 'Via', width: '80px', render: (c) => c.connectedVia || '—' },
    {
      title: 'Labels',
      width: 'minmax(120px, 2fr)',
      render: (c) =>
        Object.entries(c.labels ?? {}).map(([k, v]) => (
          <span className="tag" key={k}>
            {k}={v}
          </span>
        )),
    },
    {
      title: '',
      width: '150px',
      render: (c) => (
        <span className="row" style={{ gap: 12 }}>
          <button className="link" onClick={() => downloadKubeconfig(c.id, c.name).catch((e) => setDlErr(errorText(e)))}>
            Kubeconfig
          </button>
          {user.admin && (
            <button className="link" style={{ color: 'var(--bad)' }} onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
              Delete
            </button>
          )}
        </span>
      ),
    },
  ]
  return (
    <>
      <div className="row">
        <h1 style={{ marginRight: 'auto' }}>Clusters</h1>
        <button onClick={() => downloadKubeconfig().catch((e) => setDlErr(errorText(e)))} disabled={!clusters?.length}>
          Download kubeconfig (all)
        </button>
        {user.admin && <button onClick={() => setAdding(true)}>Import existing</button>}
        {user.admin && (
          <button className="primary" onClick={() => navigate('/clusters/new')}>
            Create cluster
          </button>
        )}
      </div>
      <ErrorBox error={error || dlErr} />
      <div className="card flush">
        <div className="row" style={{ padding: 12, borderBottom: '1px solid var(--line)' }}>
          <input
            placeholder="Search by name or label (env=prod)"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            style={{ width: 340 }}
            aria-label="Search clusters"
          />
          <span className="muted small" data-testid="cluster-count">
            {clusters ? `${rows.length} of ${clusters.length} clusters` : 'Loading…'}
          </span>
        </div>
        <VirtualTable
          rows={rows}
          columns={columns}
          rowKey={(c) => c.id}
          testId="clusters-table"
          empty={clusters === null ? 'Loading…' : clusters.length === 0 ? 'You have no clusters yet. Ask an administrator for access, or add one.' : 'No cluster matches.'}
        />
      </div>
      {adding && <AddCluster onClose={() => { setAdding(false); reload() }} />}
      {deleting && (
        <Confirm title={`Delete ${deleting.name}?`} action="Delete cluster" danger onClose={() => { setDeleting(null); reload() }}
          onConfirm={() => api('DELETE', `/v1/clusters/${encodeURIComponent(deleting.id)}`)}>
          Paddock forgets <strong>{deleting.name}</strong> and removes the access objects it created there.
          {deleting.connectedVia === 'agent' ? ' The agent disconnects.' : ''} A cluster Paddock created is torn down with everything in it.
        </Confirm>
      )}
      {progress && <Progress id={progress} onClose={() => navigate('/clusters')} />}
    </>
  )
}
