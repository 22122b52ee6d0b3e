// A user's effective access (GET /v1/users/{id}/access): global
// capabilities, and in every cluster and project each role template they
// hold with the binding granting it, to them or to one of their groups.
import { useEffect, useState } from 'react'
import { get } from '../../../lib/api'
import { accessRows, userGroups, type UserAccess, type UserRecord } from '../../../lib/users'
import { when } from '../../../lib/when'
import { ErrorBox, Loading, Modal } from '../../../components/ui'

const cell = { padding: '6px 10px', borderBottom: '1px solid var(--line)', textAlign: 'left' as const, verticalAlign: 'top' as const }

export function AccessView(props: { user: UserRecord; onClose: () => void }) {
  const [a, setA] = useState<UserAccess | null>(null)
  const [err, setErr] = useState<unknown>(null)
  useEffect(() => {
    const c = new AbortController()
    get<UserAccess>(`/v1/users/${encodeURIComponent(props.user.id)}/access`, c.signal).then(setA).catch((e) => !c.signal.aborted && setErr(e))
    return () => c.abort()
  }, [props.user.id])
  const rows = a ? accessRows(a) : []
  const groups = a ? userGroups(a.user) : []
  return (
    <Modal title={`Effective access of ${props.user.username}`} onClose={props.onClose} wide footer={<button onClick={props.onClose}>Close</button>}>
      <ErrorBox error={err} />
      {!a && !err && <Loading />}
      {a && (
        <div data-testid="user-access" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          {a.user.disabled && <div className="alert error">This user is disabled: they hold none of this until enabled again.</div>}
          <div className="grid2">
            <div>
              <div className="muted small">Signs in through</div>
              <div>{a.user.provider === 'local' ? 'a Paddock password' : `provider ${a.user.provider}`}</div>
            </div>
            <div>
              <div className="muted small">Global roles</div>
              <div>
                {a.user.admin && <span className="badge ok">admin</span>} {(a.user.globalRoles ?? []).map((r) => <span key={r} className="tag">{r}</span>)}
                {!a.user.admin && !a.user.globalRoles?.length && 'user (no capability)'}
              </div>
            </div>
            <div>
              <div className="muted small">Capabilities</div>
              <div>{a.capabilities.length ? a.capabilities.map((c) => <span key={c} className="tag">{c}</span>) : 'none'}</div>
            </div>
            <div>
              <div className="muted small">Groups</div>
              <div data-testid="user-groups">
                {groups.length ? groups.map((g) => <span key={g.name} className="tag" title={g.source}>{g.name}</span>) : 'none'}
              </div>
            </div>
          </div>
          {a.everywhere && (
            <div className="alert info" data-testid="access-everywhere">
              Owner of every cluster through {a.everywhere}: cluster-owner (Kubernetes cluster-admin) in each, beyond the bindings below.
            </div>
          )}
          {a.partial && <div className="alert info">Some bindings are not shown: you may not see the clusters or projects they are in.</div>}
          {rows.length === 0 ? (
            <div className="empty" style={{ padding: 20 }}>No binding gives {a.user.username} a role in any cluster or project.</div>
          ) : (
            <table style={{ borderCollapse: 'collapse', width: '100%', fontSize: 13 }} data-testid="access-table">
              <thead>
                <tr className="muted">
                  {['Cluster', 'Scope', 'Role template', 'Granted through', 'Binding', 'Granted by', 'Expires'].map((h) => (
                    <th key={h} style={cell}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key} data-row={r.key}>
                    <td style={cell}>{r.cluster}</td>
                    <td style={cell}>{r.project ? <>project <strong>{r.project}</strong></> : 'whole cluster'}</td>
                    <td style={cell}><span className="tag">{r.role}</span></td>
                    <td style={cell}>
                      {r.via === 'directly' ? `user ${r.binding.subject.name}` : <>{r.via}</>}
                    </td>
                    <td style={cell} className="mono small" title={`created ${when(r.binding.createdAt)}`}>{r.binding.id.slice(0, 8)}</td>
                    <td style={cell}>{r.binding.createdBy || '—'}</td>
                    <td style={cell}>{r.binding.expiresAt ? when(r.binding.expiresAt) : 'never'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Modal>
  )
}
