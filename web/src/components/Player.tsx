// Replays a recorded terminal session in xterm.js: play, pause, speed,
// restart; output and resizes are replayed, typed input is not echoed
// (the terminal's own output already shows it).
import { useEffect, useRef, useState } from 'react'
import { Terminal as XTerm } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { parseCast, upTo, type Cast } from '../lib/cast'

export function Player({ cast: text }: { cast: string }) {
  const host = useRef<HTMLDivElement>(null)
  const term = useRef<XTerm | null>(null)
  const [cast, setCast] = useState<Cast | null>(null)
  const [err, setErr] = useState('')
  const [playing, setPlaying] = useState(true)
  const [speed, setSpeed] = useState(1)
  const [pos, setPos] = useState(0) // seconds
  const state = useRef({ i: 0, t: 0 })
  useEffect(() => {
    try {
      setCast(parseCast(text))
    } catch (e) {
      setErr(e instanceof Error ? e.message : String(e))
    }
  }, [text])
  useEffect(() => {
    if (!cast) return
    const t = new XTerm({ cols: cast.width, rows: cast.height, fontSize: 13, theme: { background: '#0c1118' }, disableStdin: true })
    t.open(host.current!)
    term.current = t
    state.current = { i: 0, t: 0 }
    return () => t.dispose()
  }, [cast])
  useEffect(() => {
    if (!cast || !playing) return
    const tick = 50
    const id = setInterval(() => {
      const s = state.current
      s.t += (tick / 1000) * speed
      const end = upTo(cast, s.t, s.i)
      for (; s.i < end; s.i++) {
        const e = cast.events[s.i]
        if (e.code === 'o') term.current?.write(e.data)
        else if (e.code === 'r') {
          const [c, r] = e.data.split('x').map(Number)
          if (c > 0 && r > 0) term.current?.resize(c, r)
        }
      }
      setPos(Math.min(s.t, cast.duration))
      if (s.i >= cast.events.length) setPlaying(false)
    }, tick)
    return () => clearInterval(id)
  }, [cast, playing, speed])
  if (err) return <div className="alert error">This recording cannot be read: {err}</div>
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <div className="row">
        <button onClick={() => setPlaying(!playing)} data-testid="player-toggle">{playing ? 'Pause' : 'Play'}</button>
        <button onClick={() => { term.current?.reset(); state.current = { i: 0, t: 0 }; setPos(0); setPlaying(true) }}>Restart</button>
        <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="Speed">
          {[0.5, 1, 2, 4, 8].map((s) => <option key={s} value={s}>{s}×</option>)}
        </select>
        <span className="muted small" data-testid="player-pos">{pos.toFixed(1)} s of {cast?.duration.toFixed(1) ?? '…'} s</span>
      </div>
      <div className="term" style={{ height: 'auto', minHeight: 300 }} ref={host} data-testid="player" />
    </div>
  )
}

export default Player
