// The audit log (filter, page, detail with the redacted request) and the
// recorded terminal sessions (browser kubectl shell, pod terminals) with
// replay.
import { useEffect, useState } from 'react'
import { get } from '../../lib/api'
import { LazyPlayer } from '../../components/lazy'
import { ErrorBox, Loading, Modal, StateBadge } from '../../components/ui'

interface Event {
  id: number
  time: string
  requestId: string
  actor: string
  sourceIP: string
  action: string
  target: string
  outcome: string
  status: number
  detail?: unknown
}

interface Recording {
  id: string
  kind: string
  username: string
  clusterId: string
  clusterName: string
  namespace?: string
  pod?: string
  container?: string
  startedAt: string
  endedAt?: string
  size: number
  truncated: boolean
}

const toRFC = (local: string) => (local ? new Date(local).toISOString() : '')

export function Audit() {
  const [tab, setTab] = useState<'log' | 'sessions'>('log')
  return (
    <>
      <div className="tabs" role="tablist">
        <button className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')}>Events</button>
        <button className={tab === 'sessions' ? 'active' : ''} onClick={() => setTab('sessions')}>Recorded sessions</button>
      </div>
      {tab === 'log' ? <Log /> : <Sessions />}
    </>
  )
}

function Log() {
  const [f, setF] = useState({ actor: '', action: '', since: '', until: '' })
  const [applied, setApplied] = useState(f)
  const [pages, setPages] = useState<string[]>(['']) // cursors of the pages seen
  const [items, setItems] = useState<Event[] | null>(null)
  const [next, setNext] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [open, setOpen] = useState<Event | null>(null)
  const cursor = pages[pages.length - 1]
  useEffect(() => {
    const q = new URLSearchParams({ limit: '50' })
    if (applied.actor) q.set('actor', applied.actor)
    if (applied.action) q.set('action', applied.action)
    if (applied.since) q.set('since', toRFC(applied.since))
    if (applied.until) q.set('until', toRFC(applied.until))
    if (cursor) q.set('after', cursor)
    setItems(null)
    get<{ items: Event[]; next?: string }>(`/v1/audit?${q}`).then((r) => {
      setItems(r.items)
      setNext(r.next ?? '')
    }, setErr)
  }, [applied, cursor])
  return (
    <>
      <form className="card row" onSubmit={(e) => { e.preventDefault(); setPages(['']); setApplied(f) }}>
        <input placeholder="Actor (username)" value={f.actor} onChange={(e) => setF({ ...f, actor: e.target.value })} aria-label="Actor" />
        <input placeholder="Action, e.g. binding.* " value={f.action} onChange={(e) => setF({ ...f, action: e.target.value })} aria-label="Action" />
        <label className="row small">from <input type="datetime-local" value={f.since} onChange={(e) => setF({ ...f, since: e.target.value })} /></label>
        <label className="row small">to <input type="datetime-local" value={f.until} onChange={(e) => setF({ ...f, until: e.target.value })} /></label>
        <button className="primary" type="submit">Filter</button>
      </form>
      <ErrorBox error={err} />
      {!items ? <Loading /> : (
        <div className="card flush" data-testid="audit-table">
          <div className="vtable">
            <div className="thead" style={{ gridTemplateColumns: '170px 1fr 1.4fr 2fr 100px 120px' }}>
              {['Time', 'Actor', 'Action', 'Target', 'Result', 'Source'].map((h) => <div className="td" key={h}>{h}</div>)}
            </div>
            {items.length === 0 && <div className="empty">No events match.</div>}
            {items.map((e) => (
              <div className="tr" key={e.id} style={{ gridTemplateColumns: '170px 1fr 1.4fr 2fr 100px 120px', cursor: 'pointer' }} onClick={() => setOpen(e)}>
                <div className="td small">{new Date(e.time).toLocaleString()}</div>
                <div className="td">{e.actor || '—'}</div>
                <div className="td mono">{e.action}</div>
                <div className="td">{e.target}</div>
                <div className="td"><StateBadge state={e.outcome === 'success' ? 'Succeeded' : e.outcome} /></div>
                <div className="td small muted">{e.sourceIP}</div>
              </div>
            ))}
          </div>
          <div className="row end" style={{ padding: 10 }}>
            <button disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Newer</button>
            <button disabled={!next} onClick={() => setPages([...pages, next])}>Older</button>
          </div>
        </div>
      )}
      {open && (
        <Modal title={`${open.action} — ${open.target}`} onClose={() => setOpen(null)} wide>
          <div className="grid2 small">
            <div><strong>Actor</strong> {open.actor}</div><div><strong>Time</strong> {new Date(open.time).toLocaleString()}</div>
            <div><strong>Result</strong> {open.outcome} ({open.status})</div><div><strong>Source</strong> {open.sourceIP}</div>
            <div><strong>Request</strong> <span className="mono">{open.requestId}</span></div>
          </div>
          <div className="muted small">Request body as recorded (secrets redacted):</div>
          <pre className="codebox">{open.detail ? JSON.stringify(open.detail, null, 2) : '(none)'}</pre>
        </Modal>
      )}
    </>
  )
}

function Sessions() {
  const [items, setItems] = useState<Recording[] | null>(null)
  const [user, setUser] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [open, setOpen] = useState<{ rec: Recording; cast: string } | null>(null)
  useEffect(() => {
    const q = new URLSearchParams({ limit: '100' })
    if (user) q.set('user', user)
    get<{ items: Recording[] }>(`/v1/recordings?${q}`).then((r) => setItems(r.items), setErr)
  }, [user])
  return (
    <>
      <div className="card row">
        <input placeholder="Filter by user" value={user} onChange={(e) => setUser(e.target.value)} aria-label="User" />
        <span className="muted small">Every browser kubectl shell and pod terminal session is recorded.</span>
      </div>
      <ErrorBox error={err} />
      {!items ? <Loading /> : (
        <div className="card flush" data-testid="recordings">
          {items.length === 0 && <div className="empty">No recorded sessions.</div>}
          {items.map((r) => (
            <div key={r.id} className="row" style={{ padding: '10px 16px', borderBottom: '1px solid var(--line)' }} data-testid="recording-row">
              <span className="tag">{r.kind === 'shell' ? 'kubectl shell' : 'pod terminal'}</span>
              <strong>{r.username}</strong>
              <span className="muted">on {r.clusterName || r.clusterId}{r.pod ? ` · ${r.namespace}/${r.pod}${r.container ? ' (' + r.container + ')' : ''}` : ''}</span>
              <span className="muted small" style={{ marginRight: 'auto' }}>
                {new Date(r.startedAt).toLocaleString()} · {r.endedAt ? `${Math.max(1, Math.round((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000))} s` : 'in progress'}
                {r.truncated ? ' · truncated' : ''}
              </span>
              <button onClick={async () => {
                try {
                  const x = await get<{ recording: Recording; cast: string }>(`/v1/recordings/${encodeURIComponent(r.id)}`)
                  setOpen({ rec: x.recording, cast: x.cast })
                } catch (e) {
                  setErr(e)
                }
              }}>Replay</button>
            </div>
          ))}
        </div>
      )}
      {open && (
        <Modal title={`${open.rec.username} on ${open.rec.clusterName || open.rec.clusterId}, ${new Date(open.rec.startedAt).toLocaleString()}`} onClose={() => setOpen(null)} wide>
          <LazyPlayer cast={open.cast} />
        </Modal>
      )}
    </>
  )
}
