// Global roles: built-in admin and user, and custom sets of capabilities.
import { useEffect, useState } from 'react'
import { api, get } from '../../lib/api'
import { Confirm, ErrorBox, Field, Loading, Modal } from '../../components/ui'

interface GlobalRole {
  name: string
  description: string
  builtin: boolean
  capabilities: string[]
}

const CAPABILITIES: [string, string][] = [
  ['clusters-create', 'create and import clusters'],
  ['clusters-manage', 'manage every cluster'],
  ['users-manage', 'manage users'],
  ['roles-manage', 'manage role templates and global roles'],
  ['auth-manage', 'configure sign-in providers'],
  ['audit-read', 'read the audit log and session recordings'],
  ['settings-manage', 'change server settings'],
]

export function GlobalRoles() {
  const [roles, setRoles] = useState<GlobalRole[] | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [editing, setEditing] = useState<GlobalRole | 'new' | null>(null)
  const [deleting, setDeleting] = useState<GlobalRole | null>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    get<{ items: GlobalRole[] }>('/v1/globalroles').then((r) => setRoles(r.items), setErr)
  }, [tick])
  return (
    <>
      <div className="row">
        <div className="muted" style={{ marginRight: 'auto' }}>A global role gives Paddock-wide capabilities, independent of any cluster.</div>
        <button className="primary" onClick={() => setEditing('new')}>New global role</button>
      </div>
      <ErrorBox error={err} />
      {!roles ? <Loading /> : roles.map((r) => (
        <div className="card row" key={r.name}>
          <strong style={{ minWidth: 160 }}>{r.name}</strong>
          <span className="muted" style={{ marginRight: 'auto' }}>{r.description} {r.capabilities.map((c) => <span className="tag" key={c}>{c}</span>)}</span>
          {r.builtin ? <span className="badge">built-in</span> : (
            <>
              <button onClick={() => setEditing(r)}>Edit</button>
              <button className="danger" onClick={() => setDeleting(r)}>Delete</button>
            </>
          )}
        </div>
      ))}
      {editing && <GlobalRoleForm role={editing === 'new' ? undefined : editing} onClose={() => { setEditing(null); setTick((x) => x + 1) }} />}
      {deleting && (
        <Confirm title={`Delete ${deleting.name}?`} action="Delete" danger onClose={() => { setDeleting(null); setTick((x) => x + 1) }}
          onConfirm={() => api('DELETE', `/v1/globalroles/${encodeURIComponent(deleting.name)}`)}>
          Users holding it lose its capabilities at once.
        </Confirm>
      )}
    </>
  )
}

function GlobalRoleForm({ role, onClose }: { role?: GlobalRole; onClose: () => void }) {
  const [name, setName] = useState(role?.name ?? '')
  const [description, setDescription] = useState(role?.description ?? '')
  const [caps, setCaps] = useState<string[]>(role?.capabilities ?? [])
  const [err, setErr] = useState<unknown>(null)
  return (
    <Modal title={role ? `Edit ${role.name}` : 'New global role'} onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={!name} onClick={async () => {
          try {
            const body = { name, description, capabilities: caps }
            if (role) await api('PUT', `/v1/globalroles/${encodeURIComponent(role.name)}`, { body })
            else await api('POST', '/v1/globalroles', { body })
            onClose()
          } catch (e) {
            setErr(e)
          }
        }}>Save</button></>}>
      <Field label="Name"><input value={name} disabled={!!role} onChange={(e) => setName(e.target.value)} /></Field>
      <Field label="Description"><input value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
      <Field label="Capabilities" hint="You can only grant capabilities you hold yourself.">
        {CAPABILITIES.map(([c, text]) => (
          <label key={c} className="row" style={{ gap: 6, fontWeight: 400 }}>
            <input type="checkbox" checked={caps.includes(c)} onChange={(e) => setCaps(e.target.checked ? [...caps, c] : caps.filter((x) => x !== c))} />
            <span className="mono">{c}</span> <span className="muted small">{text}</span>
          </label>
        ))}
      </Field>
      <ErrorBox error={err} />
    </Modal>
  )
}
