// The summary of an object: workload rollout and pods, pod containers,
// Secret keys (hidden until revealed), conditions, labels.
import { age, type KObject } from '../../lib/kube'
import { decodeBase64 } from '../../lib/objyaml'
import { onLinkClick } from '../../lib/router'
import { StateBadge } from '../../components/ui'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export function rollout(o: KObject): { desired: number; updated: number; ready: number; available: number; done: boolean } | null {
  const spec = o.spec as Any | undefined
  const st = (o.status ?? {}) as Any
  if (!spec) return null
  if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
    const desired = spec.replicas ?? 1
    const updated = st.updatedReplicas ?? 0
    const ready = st.readyReplicas ?? 0
    const available = st.availableReplicas ?? ready
    const current = (o.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)
    return { desired, updated, ready, available, done: current && updated === desired && ready === desired && (st.replicas ?? 0) === desired }
  }
  if (o.kind === 'DaemonSet') {
    const desired = st.desiredNumberScheduled ?? 0
    return { desired, updated: st.updatedNumberScheduled ?? 0, ready: st.numberReady ?? 0, available: st.numberAvailable ?? 0, done: desired === (st.numberReady ?? 0) }
  }
  return null
}

export function Overview(props: { cluster: string; obj: KObject; pods: KObject[]; revealed: Set<string>; canReveal: boolean; onReveal: (k: string) => void }) {
  const { obj } = props
  const st = (obj.status ?? {}) as Any
  const r = rollout(obj)
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <div className="card grid2">
        <Stat k="Kind" v={`${obj.kind} (${obj.apiVersion})`} />
        <Stat k="Created" v={`${age(obj.metadata.creationTimestamp)} ago`} />
        {obj.metadata.namespace && <Stat k="Namespace" v={obj.metadata.namespace} />}
        {st.phase && <Stat k="Phase" v={<StateBadge state={st.phase} />} />}
        {obj.kind === 'Pod' && <Stat k="Node" v={(obj.spec as Any)?.nodeName ?? '—'} />}
        {obj.kind === 'Pod' && <Stat k="Pod IP" v={st.podIP ?? '—'} />}
      </div>
      {r && (
        <div className="card" data-testid="rollout">
          <h2>Rollout</h2>
          <div className="row" style={{ gap: 24, marginBottom: 10 }}>
            <Stat k="Desired" v={r.desired} />
            <Stat k="Up to date" v={r.updated} />
            <Stat k="Ready" v={r.ready} />
            <Stat k="Available" v={r.available} />
            <StateBadge state={r.done ? 'Complete' : 'Progressing'} />
          </div>
          <div className="progress">
            <div style={{ width: `${r.desired ? Math.min(100, (100 * r.ready) / r.desired) : 100}%` }} />
          </div>
        </div>
      )}
      {props.pods.length > 0 && (
        <div className="card">
          <h2>Pods</h2>
          {props.pods.map((p) => (
            <div key={p.metadata.uid} className="row" style={{ padding: '4px 0' }} data-testid="pod-row">
              <span style={{ minWidth: 260 }} className="mono">{p.metadata.name}</span>
              <StateBadge state={((p.status as Any)?.phase as string) ?? 'Pending'} />
              <a href={`/c/${encodeURIComponent(props.cluster)}/logs/${encodeURIComponent(p.metadata.namespace!)}/${encodeURIComponent(p.metadata.name)}`} onClick={onLinkClick}>Logs</a>
              <a href={`/c/${encodeURIComponent(props.cluster)}/exec/${encodeURIComponent(p.metadata.namespace!)}/${encodeURIComponent(p.metadata.name)}`} onClick={onLinkClick}>Terminal</a>
            </div>
          ))}
        </div>
      )}
      {obj.kind === 'Pod' && (
        <div className="card">
          <h2>Containers</h2>
          {(((obj.spec as Any)?.containers ?? []) as Any[]).map((c) => {
            const cs = ((st.containerStatuses ?? []) as Any[]).find((s) => s.name === c.name)
            const state = cs?.state ? Object.keys(cs.state)[0] : 'waiting'
            return (
              <div key={c.name} className="row" style={{ padding: '4px 0' }}>
                <strong style={{ minWidth: 140 }}>{c.name}</strong>
                <span className="mono small">{c.image}</span>
                <StateBadge state={state === 'running' ? 'Running' : state} />
                <span className="muted small">restarts {cs?.restartCount ?? 0}</span>
              </div>
            )
          })}
        </div>
      )}
      {obj.kind === 'Secret' && (
        <div className="card" data-testid="secret-data">
          <h2>Data</h2>
          {Object.keys((obj.data as Any) ?? {}).length === 0 && <div className="muted">No data.</div>}
          {Object.entries((obj.data as Record<string, string>) ?? {}).map(([k, v]) => (
            <div key={k} className="result">
              <strong className="mono">{k}</strong>
              {props.revealed.has(k) ? (
                <span className="secret-value" data-testid={`secret-${k}`}>{decodeBase64(v)}</span>
              ) : (
                <span className="row">
                  <span className="secret-value">••••••••</span>
                  {props.canReveal && <button className="link" onClick={() => props.onReveal(k)}>Reveal</button>}
                </span>
              )}
            </div>
          ))}
        </div>
      )}
      {Array.isArray(st.conditions) && st.conditions.length > 0 && (
        <div className="card">
          <h2>Conditions</h2>
          {(st.conditions as Any[]).map((c) => (
            <div key={c.type} className="result">
              <span><StateBadge state={c.status === 'True' ? 'True' : c.status} /> </span>
              <span><strong>{c.type}</strong> {c.reason && <span className="muted">({c.reason})</span>} {c.message}</span>
            </div>
          ))}
        </div>
      )}
      {obj.metadata.labels && (
        <div className="card">
          <h2>Labels</h2>
          {Object.entries(obj.metadata.labels).map(([k, v]) => (
            <span className="tag" key={k}>{k}={v}</span>
          ))}
        </div>
      )}
    </div>
  )
}

function Stat({ k, v }: { k: string; v: React.ReactNode }) {
  return (
    <div className="stat">
      <span className="k">{k}</span>
      <span className="v" style={{ fontSize: 14 }}>{v}</span>
    </div>
  )
}
