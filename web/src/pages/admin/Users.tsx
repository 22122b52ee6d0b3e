// User administration: search and page through users, create local users,
// reset a password, disable (ends every session and token at once) or
// enable, delete, and see a user's effective access everywhere.
import { useState } from 'react'
import { api } from '../../lib/api'
import { useSession } from '../../lib/session'
import type { UserRecord } from '../../lib/users'
import { relative } from '../../lib/when'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { Confirm, ErrorBox } from '../../components/ui'
import { useUsers } from './users/useUsers'
import { CreateUser } from './users/CreateUser'
import { ResetPassword } from './users/ResetPassword'
import { AccessView } from './users/AccessView'

type Action = 'access' | 'reset' | 'disable' | 'enable' | 'delete'

function State({ u }: { u: UserRecord }) {
  if (u.disabled) return <span className="badge bad">disabled</span>
  if (u.mustChangePassword) return <span className="badge warn" title="They must choose a new password at their next sign-in">password change due</span>
  return <span className="badge ok">active</span>
}

export function Users() {
  const { user: me } = useSession()
  const [q, setQ] = useState('')
  const list = useUsers(q)
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState('')
  const [act, setAct] = useState<{ action: Action; user: UserRecord } | null>(null)
  const close = () => setAct(null)
  const patch = async (u: UserRecord, body: object) => {
    await api('PATCH', `/v1/users/${encodeURIComponent(u.id)}`, { body })
    list.reload()
  }
  const columns: Column<UserRecord>[] = [
    {
      title: 'User',
      width: 'minmax(180px, 2fr)',
      render: (u) => (
        <span title={u.id}>
          <strong>{u.username}</strong> {u.displayName && <span className="muted">{u.displayName}</span>}
          {u.id === me.id && <span className="muted small"> (you)</span>}
        </span>
      ),
    },
    { title: 'Signs in with', width: '120px', render: (u) => (u.provider === 'local' ? 'password' : u.provider) },
    {
      title: 'Roles',
      width: 'minmax(120px, 1fr)',
      render: (u) => (
        <>
          {u.admin && <span className="tag">admin</span>}
          {(u.globalRoles ?? []).map((r) => <span key={r} className="tag">{r}</span>)}
        </>
      ),
    },
    {
      title: 'Groups',
      width: 'minmax(120px, 1.5fr)',
      render: (u) => [...(u.groups ?? []), ...(u.providerGroups ?? [])].map((g) => <span key={g} className="tag">{g}</span>),
    },
    { title: 'State', width: '190px', render: (u) => <State u={u} /> },
    { title: 'Created', width: '110px', render: (u) => <span title={u.createdAt}>{relative(u.createdAt)}</span> },
    {
      title: '',
      width: '300px',
      render: (u) => (
        <span className="row" style={{ gap: 12, flexWrap: 'nowrap' }}>
          <button className="link" onClick={() => setAct({ action: 'access', user: u })} aria-label={`Access of ${u.username}`}>Access</button>
          {u.provider === 'local' && u.id !== me.id && (
            <button className="link" onClick={() => setAct({ action: 'reset', user: u })} aria-label={`Reset password of ${u.username}`}>Reset password</button>
          )}
          {u.id !== me.id && (
            <>
              <button className="link" onClick={() => setAct({ action: u.disabled ? 'enable' : 'disable', user: u })} aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}>
                {u.disabled ? 'Enable' : 'Disable'}
              </button>
              <button className="link" style={{ color: 'var(--bad)' }} onClick={() => setAct({ action: 'delete', user: u })} aria-label={`Delete ${u.username}`}>
                Delete
              </button>
            </>
          )}
        </span>
      ),
    },
  ]
  const u = act?.user
  return (
    <>
      <div className="row">
        <div className="muted" style={{ flex: 1, minWidth: 300 }}>
          Local users sign in with a Paddock password; others are created at their first sign-in through a provider.
        </div>
        <button className="primary" onClick={() => setCreating(true)}>Create user</button>
      </div>
      {notice && <div className="alert success" data-testid="users-notice">{notice}</div>}
      <ErrorBox error={list.error} />
      <div className="card flush">
        <div className="row" style={{ padding: 12, borderBottom: '1px solid var(--line)' }}>
          <input placeholder="Search by username or display name" value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 340 }} aria-label="Search users" />
          <span className="muted small" data-testid="user-count">
            {list.users ? `${list.users.length}${list.next ? '+' : ''} user${list.users.length === 1 ? '' : 's'}${q ? ' matching' : ''}` : 'Loading…'}
          </span>
        </div>
        <VirtualTable
          rows={list.users ?? []}
          columns={columns}
          rowKey={(x) => x.username}
          testId="users-table"
          empty={list.users === null ? 'Loading…' : q ? 'No user matches.' : 'No users.'}
        />
        {list.next && (
          <div className="row" style={{ padding: 12, justifyContent: 'center' }}>
            <button onClick={list.loadMore} disabled={list.loadingMore}>{list.loadingMore ? 'Loading…' : 'Load more users'}</button>
          </div>
        )}
      </div>
      {creating && (
        <CreateUser
          onClose={() => setCreating(false)}
          onCreated={(x) => {
            setCreating(false)
            setNotice(`Created ${x.username}.${x.mustChangePassword ? ' They choose their own password at first sign-in.' : ''}`)
            list.reload()
          }}
        />
      )}
      {act?.action === 'access' && u && <AccessView user={u} onClose={close} />}
      {act?.action === 'reset' && u && <ResetPassword user={u} onClose={close} onDone={list.reload} />}
      {act?.action === 'disable' && u && (
        <Confirm title={`Disable ${u.username}?`} action="Disable user" danger onClose={close} onConfirm={() => patch(u, { disabled: true })}>
          <div data-testid="disable-warning">
            <strong>{u.username} is signed out everywhere at once:</strong> every browser session and every API token of theirs stops
            working immediately, including kubeconfigs that use them. They cannot sign in until enabled again.
          </div>
          <div className="muted small">Their bindings stay; enabling gives back the same access (but not the revoked tokens).</div>
        </Confirm>
      )}
      {act?.action === 'enable' && u && (
        <Confirm title={`Enable ${u.username}?`} action="Enable user" onClose={close} onConfirm={() => patch(u, { disabled: false })}>
          {u.username} may sign in again, with the access their bindings give. Tokens revoked when they were disabled stay revoked.
        </Confirm>
      )}
      {act?.action === 'delete' && u && (
        <Confirm title={`Delete ${u.username}?`} action="Delete user" danger onClose={close}
          onConfirm={async () => {
            await api('DELETE', `/v1/users/${encodeURIComponent(u.id)}`)
            list.reload()
          }}>
          <strong>{u.username}</strong> is deleted with every session, API token and binding of theirs (bindings to their groups stay). This
          cannot be undone.{u.provider !== 'local' && ` If ${u.provider} still lets them in, their next sign-in creates a new user without those bindings.`}
        </Confirm>
      )}
    </>
  )
}
