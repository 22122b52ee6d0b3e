// An xterm.js terminal over a WebSocket, with resize and reconnect.
import { useEffect, useRef, useState } from 'react'
import { Terminal as XTerm } from '@xterm/xterm'
import { FitAddon } from '@xterm/addon-fit'
import '@xterm/xterm/css/xterm.css'
import { wsURL, type Codec } from '../lib/termproto'

export function Terminal(props: { path: string; codec: Codec; testId?: string }) {
  const host = useRef<HTMLDivElement>(null)
  const [status, setStatus] = useState('connecting')
  const [gen, setGen] = useState(0)
  useEffect(() => {
    const term = new XTerm({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, Menlo, Consolas, monospace', theme: { background: '#0c1118' }, scrollback: 5000 })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(host.current!)
    fit.fit()
    const ws = new WebSocket(wsURL(props.path), props.codec.protocols)
    ws.binaryType = 'arraybuffer'
    const enc = new TextEncoder()
    ws.onopen = () => {
      setStatus('connected')
      ws.send(props.codec.resize(term.cols, term.rows))
      term.focus()
    }
    ws.onmessage = (ev) => {
      const out = props.codec.output(ev.data)
      if (out.data) term.write(out.data)
      if (out.status) setStatus(out.status)
    }
    ws.onclose = (ev) => setStatus((s) => (s === 'connected' || s === 'connecting' ? `disconnected${ev.reason ? ': ' + ev.reason : ''}` : s))
    const d1 = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(props.codec.input(enc.encode(d))))
    const d2 = term.onResize(({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(props.codec.resize(cols, rows)))
    const onWin = () => fit.fit()
    window.addEventListener('resize', onWin)
    return () => {
      window.removeEventListener('resize', onWin)
      d1.dispose()
      d2.dispose()
      ws.close()
      term.dispose()
    }
  }, [props.path, props.codec, gen])
  return (
    <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <div className="row">
        <span className={`badge ${status === 'connected' ? 'ok' : status === 'connecting' ? 'warn' : 'bad'}`} data-testid="term-status">
          {status}
        </span>
        <span className="grow" style={{ flex: 1 }} />
        <button onClick={() => { setStatus('connecting'); setGen((g) => g + 1) }}>Reconnect</button>
      </div>
      <div className="term" ref={host} data-testid={props.testId ?? 'terminal'} />
    </div>
  )
}
