// Sign-in providers: Paddock passwords, and LDAP/Active Directory, OpenID
// Connect, SAML and GitHub providers — set up with explained forms,
// tested, enabled or disabled, limited to listed users and groups, deleted.
import { useState } from 'react'
import { api, get } from '../../lib/api'
import { emptyProviderForm, formFromView, isType, NAME_RE, toggleBody, TYPES, type ProviderType, type ProviderView } from '../../lib/providers'
import { relative } from '../../lib/when'
import { Confirm, ErrorBox } from '../../components/ui'
import { useProviders } from './providers/useProviders'
import { ProviderEditor } from './providers/ProviderEditor'

type Editing = { view: ProviderView | null; type: ProviderType; key: number }

export function Providers() {
  const [opened, setOpened] = useState<string[]>([])
  const { providers, local, error, reload } = useProviders(opened)
  const [editing, setEditing] = useState<Editing | null>(null)
  const [adding, setAdding] = useState(false)
  const [openName, setOpenName] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [toggling, setToggling] = useState<{ view: ProviderView | null; enabled: boolean } | null>(null)
  const [deleting, setDeleting] = useState<ProviderView | null>(null)
  const edit = async (name: string) => {
    setErr(null)
    try {
      const v = await get<ProviderView>(`/v1/auth/providers/${encodeURIComponent(name)}`)
      if (!isType(v.type)) throw new Error(`provider ${name} is of type ${v.type}, which this page cannot edit`)
      setOpened((o) => (o.includes(name) ? o : [...o, name]))
      setEditing({ view: v, type: v.type, key: Date.now() })
    } catch (e) {
      setErr(e)
    }
  }
  const doDelete = deleting && (
    <Confirm title={`Delete ${deleting.name}?`} action="Delete provider" danger onClose={() => setDeleting(null)}
      onConfirm={async () => {
        await api('DELETE', `/v1/auth/providers/${encodeURIComponent(deleting.name)}`)
        setEditing(null)
        reload()
      }}>
      <div data-testid="delete-provider-warning">
        Nobody can sign in through <strong>{deleting.displayName || deleting.name}</strong> any more, and the sessions and API tokens of its
        users end at once. Its settings and secrets are deleted. Their Paddock users and bindings stay; a provider created again under the
        same name links them again.
      </div>
    </Confirm>
  )
  if (editing) {
    const initial = editing.view ? formFromView(editing.view) : emptyProviderForm(editing.type, providers?.some((p) => p.name === editing.type) ? '' : editing.type)
    return (
      <>
        <ProviderEditor
          key={editing.key}
          initial={initial}
          callbackURL={editing.view?.callbackURL}
          onSaved={(v) => {
            setOpened((o) => (o.includes(v.name) ? o : [...o, v.name]))
            setEditing({ ...editing, view: v })
            reload()
          }}
          onClose={() => setEditing(null)}
          onDelete={() => editing.view && setDeleting(editing.view)}
        />
        {doDelete}
      </>
    )
  }
  return (
    <>
      <div className="row">
        <div className="muted" style={{ flex: 1, minWidth: 300 }}>How people sign in to Paddock. A person signing in through a provider gets a Paddock user at first sign-in; their provider groups can be granted roles.</div>
        <button className="primary" onClick={() => setAdding(!adding)}>Add provider</button>
      </div>
      <ErrorBox error={error || err} />
      {adding && (
        <div className="grid2">
          {(Object.keys(TYPES) as ProviderType[]).map((t) => (
            <button key={t} style={{ flexDirection: 'column', alignItems: 'flex-start', whiteSpace: 'normal', textAlign: 'left', padding: 16 }}
              data-testid={`add-provider-${t}`} onClick={() => { setAdding(false); setEditing({ view: null, type: t, key: Date.now() }) }}>
              <strong>{TYPES[t].title}</strong>
              <span className="muted" style={{ fontSize: 13 }}>{TYPES[t].intro}</span>
            </button>
          ))}
        </div>
      )}
      <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 0, padding: 0 }} data-testid="providers-list">
        <div className="row" style={{ padding: '12px 16px', borderBottom: '1px solid var(--line)' }} data-row="local">
          <div style={{ flex: 1 }}>
            <strong>Paddock accounts</strong> <span className="muted">local usernames and passwords</span>
            <div className="muted small">Off: only administrators may still sign in with a Paddock password (break-glass), and other local users' sessions end.</div>
          </div>
          <span className={`badge ${local.enabled ? 'ok' : 'bad'}`}>{local.enabled ? 'enabled' : 'disabled'}</span>
          <button onClick={() => setToggling({ view: null, enabled: !local.enabled })}>{local.enabled ? 'Disable' : 'Enable'}</button>
        </div>
        {providers === null && <div className="empty">Loading…</div>}
        {providers?.length === 0 && <div className="empty">No provider yet: people sign in with Paddock passwords only.</div>}
        {providers?.map((p) => (
          <div key={p.name} className="row" style={{ padding: '12px 16px', borderBottom: '1px solid var(--line)' }} data-row={p.name}>
            <div style={{ flex: 1, minWidth: 0 }}>
              <strong>{p.displayName || p.name}</strong> <span className="tag">{p.name}</span>
              <span className="muted">{isType(p.type) ? TYPES[p.type].title : p.type}</span>
              <div className="muted small">
                {p.accessMode === 'restricted'
                  ? `Only ${[...p.allowedUsers.map((u) => 'user ' + u), ...p.allowedGroups.map((g) => 'group ' + g)].join(', ') || 'nobody'}`
                  : 'Everyone the provider accepts'}
                {' · '}changed {relative(p.updatedAt)}
              </div>
            </div>
            <span className={`badge ${p.enabled ? 'ok' : 'bad'}`}>{p.enabled ? 'enabled' : 'disabled'}</span>
            <button onClick={() => edit(p.name)} aria-label={`Edit ${p.name}`}>Edit and test</button>
            <button onClick={() => setToggling({ view: p, enabled: !p.enabled })} aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`}>
              {p.enabled ? 'Disable' : 'Enable'}
            </button>
            <button className="danger" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>Delete</button>
          </div>
        ))}
      </div>
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (NAME_RE.test(openName)) edit(openName) }}>
        <span className="muted small">A disabled provider with another name is not listed: open it by name</span>
        <input value={openName} onChange={(e) => setOpenName(e.target.value.trim())} placeholder="name" aria-label="Provider name" style={{ width: 160 }} />
        <button type="submit" disabled={!NAME_RE.test(openName)}>Open</button>
      </form>
      {toggling && (
        <Confirm
          title={`${toggling.enabled ? 'Enable' : 'Disable'} ${toggling.view ? toggling.view.displayName || toggling.view.name : 'Paddock accounts'}?`}
          action={toggling.enabled ? 'Enable' : 'Disable'} danger={!toggling.enabled} onClose={() => setToggling(null)}
          onConfirm={async () => {
            const v = toggling.view
            const body = v ? toggleBody(v, toggling.enabled) : { type: 'local', displayName: local.view?.displayName, enabled: toggling.enabled }
            await api('PUT', `/v1/auth/providers/${encodeURIComponent(v ? v.name : 'local')}`, { body })
            reload()
          }}>
          {toggling.enabled
            ? 'People may sign in through it again (within its access list).'
            : toggling.view
              ? 'Nobody can sign in through it, and the sessions and API tokens of everyone who signed in through it end at once.'
              : 'Only administrators may still sign in with a Paddock password; the sessions and tokens of other local users end at once.'}
        </Confirm>
      )}
      {doDelete}
    </>
  )
}
