// Search users and provider groups to grant access to (/v1/principals).
import { useEffect, useState } from 'react'
import { get } from '../lib/api'
import type { Principal, Subject } from '../lib/access'

export function PrincipalPicker({ value, onChange }: { value: Subject | null; onChange: (s: Subject | null) => void }) {
  const [q, setQ] = useState('')
  const [found, setFound] = useState<Principal[]>([])
  useEffect(() => {
    if (!q.trim()) {
      setFound([])
      return
    }
    const ctl = new AbortController()
    const t = setTimeout(() => {
      get<{ items: Principal[] }>(`/v1/principals?search=${encodeURIComponent(q.trim())}`, ctl.signal)
        .then((r) => setFound(r.items))
        .catch(() => setFound([]))
    }, 200)
    return () => {
      clearTimeout(t)
      ctl.abort()
    }
  }, [q])
  if (value) {
    return (
      <div className="row">
        <span className="tag">{value.kind}</span> <strong data-testid="picked-principal">{value.name}</strong>
        <button className="link" onClick={() => onChange(null)}>change</button>
      </div>
    )
  }
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
      <input placeholder="Search users and groups" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search users and groups" autoFocus />
      {found.map((p) => (
        <button key={p.kind + p.name} className="link" style={{ textAlign: 'left' }} onClick={() => onChange({ kind: p.kind, name: p.name })} data-testid="principal-option">
          <span className="tag">{p.kind}</span> {p.displayName || p.name} {p.displayName && <span className="muted small">{p.name}</span>}{' '}
          {p.provider && <span className="muted small">({p.provider})</span>}
        </button>
      ))}
      {q.trim() && found.length === 0 && (
        <div className="row small muted">
          No match.
          <button className="link" onClick={() => onChange({ kind: 'Group', name: q.trim() })}>Use group “{q.trim()}”</button>
        </div>
      )}
    </div>
  )
}
