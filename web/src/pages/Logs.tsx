// Pod logs: container picker, follow, previous, timestamps, search and
// download, in bounded memory (RingLog) with only visible lines rendered.
import { useEffect, useMemo, useRef, useState } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { download, request } from '../lib/api'
import { base, readLines } from '../lib/kube'
import { usePodContainers } from '../lib/containers'
import { RingLog } from '../lib/ringlog'
import { ErrorBox } from '../components/ui'

const CAP = 20000

export function Logs({ cluster, ns, pod }: { cluster: string; ns: string; pod: string }) {
  const podPath = `${base(cluster)}/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`
  const { containers, container, setContainer, error: podErr } = usePodContainers(podPath, true)
  const [follow, setFollow] = useState(true)
  const [previous, setPrevious] = useState(false)
  const [timestamps, setTimestamps] = useState(false)
  const [q, setQ] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [version, setVersion] = useState(0) // bumps to re-render when lines arrive
  const [streaming, setStreaming] = useState(false)
  const log = useRef(new RingLog(CAP)).current
  const scroller = useRef<HTMLDivElement>(null)
  const stick = useRef(true)

  useEffect(() => {
    if (!container) return
    const ctl = new AbortController()
    log.clear()
    setVersion((v) => v + 1)
    setErr(null)
    const qs = new URLSearchParams({ container, tailLines: '1000' })
    if (follow && !previous) qs.set('follow', 'true')
    if (previous) qs.set('previous', 'true')
    if (timestamps) qs.set('timestamps', 'true')
    let pending = 0
    const bump = () => {
      if (pending) return
      pending = window.setTimeout(() => {
        pending = 0
        setVersion((v) => v + 1)
      }, 100)
    }
    setStreaming(true)
    request('GET', `${podPath}/log?${qs}`, { signal: ctl.signal, accept: '*/*' })
      .then((res) => readLines(res, (l) => { log.push(l); bump() }))
      .catch((e) => !ctl.signal.aborted && setErr(e))
      .finally(() => !ctl.signal.aborted && setStreaming(false))
    return () => {
      ctl.abort()
      clearTimeout(pending)
    }
  }, [podPath, container, follow, previous, timestamps, log])

  const lines = useMemo(() => {
    void version
    const all = log.toArray()
    if (!q) return all
    const lq = q.toLowerCase()
    return all.filter((l) => l.toLowerCase().includes(lq))
  }, [version, q, log])

  const v = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => 18, overscan: 30 })
  useEffect(() => {
    if (stick.current && lines.length) v.scrollToIndex(lines.length - 1, { align: 'end' })
  }, [lines.length, v])

  return (
    <>
      <div className="card row">
        <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 6 }}>
          Container
          <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container">
            {containers.map((c) => <option key={c}>{c}</option>)}
          </select>
        </label>
        <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
        <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} /> Previous container</label>
        <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} /> Timestamps</label>
        <input placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search logs" style={{ width: 200 }} />
        <span style={{ flex: 1 }} />
        <span className="muted small" data-testid="log-count">
          {lines.length} lines{log.dropped ? ` (${log.dropped} older dropped)` : ''}{streaming && follow ? ' · following' : ''}
        </span>
        <button onClick={() => download(`${pod}-${container}.log`, log.toArray().join('\n') + '\n')}>Download</button>
      </div>
      <ErrorBox error={err || podErr} />
      <div className="logview" ref={scroller} data-testid="log-view"
        onScroll={(e) => {
          const el = e.currentTarget
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((it) => (
            <div key={it.index} className="logline" style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${it.start}px)` }}>
              {highlight(lines[it.index], q)}
            </div>
          ))}
        </div>
      </div>
    </>
  )
}

function highlight(line: string, q: string) {
  if (!q) return line
  const i = line.toLowerCase().indexOf(q.toLowerCase())
  if (i < 0) return line
  return (
    <>
      {line.slice(0, i)}
      <mark>{line.slice(i, i + q.length)}</mark>
      {line.slice(i + q.length)}
    </>
  )
}
