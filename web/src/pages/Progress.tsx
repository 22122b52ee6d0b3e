// Live provisioning progress of a cluster: its events as they happen
// (GET /v1/clusters/{id}/events?follow=true) and its state until active.
import { useEffect, useState } from 'react'
import { api, get, request } from '../lib/api'
import { readLines } from '../lib/kube'
import { navigate } from '../lib/router'
import type { Cluster } from '../lib/types'
import { ErrorBox, Modal, StateBadge } from '../components/ui'

interface Event {
  id: number
  time: string
  kind: string
  message: string
}

export function Progress({ id, onClose }: { id: string; onClose: () => void }) {
  const [events, setEvents] = useState<Event[]>([])
  const [cluster, setCluster] = useState<Cluster | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [gen, setGen] = useState(0)
  useEffect(() => {
    const ctl = new AbortController()
    setEvents([])
    request('GET', `/v1/clusters/${encodeURIComponent(id)}/events?follow=true`, { signal: ctl.signal, accept: 'application/x-ndjson' })
      .then((res) =>
        readLines(res, (l) => {
          if (!l.trim()) return
          try {
            const e = JSON.parse(l) as Event
            setEvents((xs) => (xs.some((x) => x.id === e.id) ? xs : [...xs, e]))
          } catch {
            /* partial line at abort */
          }
        }),
      )
      .catch((e) => !ctl.signal.aborted && setErr(e))
    let live = true
    const poll = async () => {
      try {
        const c = await get<Cluster>(`/v1/clusters/${encodeURIComponent(id)}`)
        if (live) setCluster(c)
        if (c.state === 'active') return
      } catch (e) {
        if (live) setErr(e)
      }
      if (live) setTimeout(poll, 1500)
    }
    poll()
    return () => {
      live = false
      ctl.abort()
    }
  }, [id, gen])
  const failed = cluster?.state === 'error'
  return (
    <Modal
      title={`Creating ${cluster?.name ?? 'cluster'}`}
      onClose={onClose}
      wide
      footer={
        <>
          {failed && (
            <button className="primary" onClick={async () => {
              try {
                await api('POST', `/v1/clusters/${encodeURIComponent(id)}/retry`)
                setErr(null)
                setGen((g) => g + 1)
              } catch (e) {
                setErr(e)
              }
            }}>Retry</button>
          )}
          {cluster?.state === 'active' ? (
            <button className="primary" onClick={() => { onClose(); navigate(`/c/${encodeURIComponent(id)}`) }}>Open cluster</button>
          ) : (
            <button onClick={onClose}>Close (it keeps going)</button>
          )}
        </>
      }
    >
      <div className="row">
        State: {cluster ? <StateBadge state={cluster.state} /> : '…'}
        {cluster?.stateReason && <span className="muted small">{cluster.stateReason}</span>}
      </div>
      <div className="results" data-testid="progress-events" style={{ maxHeight: 360, overflow: 'auto' }}>
        {events.map((e) => (
          <div className="result" key={e.id}>
            <span className={`badge ${e.kind === 'error' ? 'bad' : e.kind === 'done' ? 'ok' : ''}`}>{e.kind}</span>
            <span>
              {e.message} <span className="muted small">{new Date(e.time).toLocaleTimeString()}</span>
            </span>
          </div>
        ))}
        {events.length === 0 && <div className="muted">Waiting for the first step…</div>}
      </div>
      {failed && <div className="alert error">Provisioning stopped: {cluster?.stateReason}. Fix the cause (for example the credential's permissions), then retry: finished steps are not repeated.</div>}
      <ErrorBox error={err} />
    </Modal>
  )
}
