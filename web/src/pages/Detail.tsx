// One object: overview, YAML (view/edit with server-side apply and a diff),
// events; delete, scale and restart for workloads.
import { useCallback, useEffect, useMemo, useState } from 'react'
import { age, base, kget, patch, remove, resourcePath, watch, type KObject, type ResourceType } from '../lib/kube'
import { useDiscovery } from '../lib/discovery'
import { apiGroup, explorerPath } from '../lib/kinds'
import { navigate } from '../lib/router'
import { Confirm, ErrorBox, Loading, Modal } from '../components/ui'
import { Overview } from './detail/Overview'
import { YamlTab } from './detail/YamlTab'

type Tab = 'overview' | 'yaml' | 'events'
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']

export function useObject(cluster: string, t: ResourceType | undefined, ns: string | undefined, name: string) {
  const [obj, setObj] = useState<KObject | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [gone, setGone] = useState(false)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (!t) return
    const ctl = new AbortController()
    const coll = resourcePath(cluster, t, ns) + `?fieldSelector=${encodeURIComponent('metadata.name=' + name)}`
    const run = async () => {
      while (!ctl.signal.aborted) {
        const l = await kget<{ items: KObject[]; metadata: { resourceVersion: string } }>(coll, ctl.signal)
        const o = l.items[0]
        if (!o) {
          setGone(true)
          return
        }
        setObj({ ...o, apiVersion: o.apiVersion ?? (t.group ? `${t.group}/${t.version}` : t.version), kind: o.kind ?? t.kind })
        await watch<KObject>(coll, l.metadata.resourceVersion, (ev) => {
          if (ev.type === 'DELETED') setGone(true)
          else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') setObj(ev.object)
        }, ctl.signal).catch(() => new Promise((r) => setTimeout(r, 2000)))
      }
    }
    run().catch((e) => !ctl.signal.aborted && setError(e))
    return () => ctl.abort()
  }, [cluster, t, ns, name, tick])
  return { obj, error, gone, reload: useCallback(() => setTick((x) => x + 1), []) }
}

function usePods(cluster: string, obj: KObject | null) {
  const [pods, setPods] = useState<KObject[]>([])
  const sel = (obj?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels
  const ns = obj?.metadata.namespace
  const selector = sel && WORKLOADS.includes(obj!.kind) ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : ''
  useEffect(() => {
    if (!selector || !ns) return
    let live = true
    const tick = async () => {
      try {
        const l = await kget<{ items: KObject[] }>(`${base(cluster)}/api/v1/namespaces/${encodeURIComponent(ns)}/pods?labelSelector=${encodeURIComponent(selector)}`)
        if (live) setPods(l.items)
      } catch {
        /* pods may be unreadable; the overview simply shows none */
      }
      if (live) setTimeout(tick, 2000)
    }
    tick()
    return () => {
      live = false
    }
  }, [cluster, ns, selector])
  return pods
}

export function Detail(props: { cluster: string; group: string; version: string; resource: string; ns: string; name: string }) {
  const { cluster, name } = props
  const ns = props.ns === '_' ? undefined : props.ns
  const { types, error: dErr } = useDiscovery(cluster)
  const t = useMemo(() => types?.find((x) => x.group === apiGroup(props.group) && x.version === props.version && x.resource === props.resource), [types, props.group, props.version, props.resource])
  const { obj, error, gone, reload } = useObject(cluster, t, ns, name)
  const pods = usePods(cluster, obj)
  const [tab, setTab] = useState<Tab>('overview')
  const [revealed, setRevealed] = useState<Set<string>>(new Set())
  const [dialog, setDialog] = useState<'' | 'delete' | 'scale' | 'restart'>('')
  const [actionErr, setActionErr] = useState<unknown>(null)
  if (dErr || error) return <ErrorBox error={dErr || error} />
  if (gone) return <div className="card empty">{name} no longer exists. <a href={explorerPath(cluster, props.group, props.version, props.resource, ns)}>Back to the list</a></div>
  if (!t || !obj) return <Loading />
  const path = resourcePath(cluster, t, ns, name)
  const scalable = t.subresources?.includes('scale')
  const restartable = ['Deployment', 'StatefulSet', 'DaemonSet'].includes(obj.kind)
  return (
    <>
      <div className="row">
        <div style={{ marginRight: 'auto' }}>
          <div className="muted small">{obj.kind}{ns ? ` in ${ns}` : ''} · {age(obj.metadata.creationTimestamp)} old</div>
          <h1 data-testid="object-name">{name}</h1>
        </div>
        {scalable && t.verbs.includes('patch') && <button onClick={() => setDialog('scale')}>Scale</button>}
        {restartable && t.verbs.includes('patch') && <button onClick={() => setDialog('restart')}>Restart</button>}
        {t.verbs.includes('delete') && <button className="danger" onClick={() => setDialog('delete')}>Delete</button>}
      </div>
      <ErrorBox error={actionErr} />
      <div className="tabs" role="tablist">
        {(['overview', 'yaml', 'events'] as Tab[]).map((x) => (
          <button key={x} role="tab" className={tab === x ? 'active' : ''} onClick={() => setTab(x)}>
            {x === 'yaml' ? 'YAML' : x[0].toUpperCase() + x.slice(1)}
          </button>
        ))}
      </div>
      {tab === 'overview' && <Overview cluster={cluster} obj={obj} pods={pods} revealed={revealed} canReveal onReveal={(k) => setRevealed(new Set([...revealed, k]))} />}
      {tab === 'yaml' && <YamlTab cluster={cluster} t={t} obj={obj} revealed={revealed} onSaved={reload} />}
      {tab === 'events' && <Events cluster={cluster} obj={obj} />}
      {dialog === 'delete' && (
        <Confirm title={`Delete ${obj.kind} ${name}?`} action="Delete" danger onClose={() => setDialog('')}
          onConfirm={async () => {
            await remove(path)
            navigate(explorerPath(cluster, props.group, props.version, props.resource, ns))
          }}>
          This deletes <strong>{name}</strong>{ns ? ` from ${ns}` : ''}{WORKLOADS.includes(obj.kind) ? ' and its pods' : ''}. It cannot be undone.
        </Confirm>
      )}
      {dialog === 'restart' && (
        <Confirm title={`Restart ${name}?`} action="Restart" onClose={() => setDialog('')}
          onConfirm={async () => {
            setActionErr(null)
            await patch(path, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } }, 'application/strategic-merge-patch+json')
          }}>
          Pods are replaced one by one following the workload's update strategy, like <code>kubectl rollout restart</code>.
        </Confirm>
      )}
      {dialog === 'scale' && <ScaleDialog path={path} current={(obj.spec as { replicas?: number })?.replicas ?? 1} onClose={() => setDialog('')} />}
    </>
  )
}

function ScaleDialog({ path, current, onClose }: { path: string; current: number; onClose: () => void }) {
  const [n, setN] = useState(current)
  const [err, setErr] = useState<unknown>(null)
  return (
    <Modal title="Scale" onClose={onClose} footer={<><button onClick={onClose}>Cancel</button>
      <button className="primary" disabled={!Number.isInteger(n) || n < 0} onClick={async () => {
        try {
          await patch(path + '/scale', { spec: { replicas: n } })
          onClose()
        } catch (e) {
          setErr(e)
        }
      }}>Scale to {n}</button></>}>
      <label className="field">Replicas
        <input type="number" min={0} value={n} onChange={(e) => setN(Number(e.target.value))} aria-label="Replicas" autoFocus />
      </label>
      <ErrorBox error={err} />
    </Modal>
  )
}

function Events({ cluster, obj }: { cluster: string; obj: KObject }) {
  const [events, setEvents] = useState<KObject[] | null>(null)
  const [err, setErr] = useState<unknown>(null)
  useEffect(() => {
    const fs = `involvedObject.name=${obj.metadata.name}` + (obj.metadata.namespace ? `,involvedObject.namespace=${obj.metadata.namespace}` : '')
    const nsPath = obj.metadata.namespace ? `/namespaces/${encodeURIComponent(obj.metadata.namespace)}` : ''
    kget<{ items: KObject[] }>(`${base(cluster)}/api/v1${nsPath}/events?fieldSelector=${encodeURIComponent(fs)}`)
      .then((l) => setEvents(l.items))
      .catch(setErr)
  }, [cluster, obj.metadata.name, obj.metadata.namespace])
  if (err) return <ErrorBox error={err} />
  if (!events) return <Loading />
  if (events.length === 0) return <div className="card empty">No recent events.</div>
  type Ev = KObject & { type?: string; reason?: string; message?: string; lastTimestamp?: string; count?: number }
  return (
    <div className="card">
      {(events as Ev[]).map((e) => (
        <div key={e.metadata.uid} className="result">
          <span className={`badge ${e.type === 'Warning' ? 'bad' : 'ok'}`}>{e.reason}</span>
          <span>{e.message} <span className="muted small">{age(e.lastTimestamp ?? e.metadata.creationTimestamp)} ago{e.count && e.count > 1 ? ` ×${e.count}` : ''}</span></span>
        </div>
      ))}
    </div>
  )
}
