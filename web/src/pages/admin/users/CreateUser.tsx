// Creating a local user: username, display name, a (temporary) password,
// the admin role, custom global roles and local groups.
import { useEffect, useState } from 'react'
import { api, get } from '../../../lib/api'
import { emptyNewUser, generatePassword, newUserBody, validateNewUser, type NewUserForm, type UserRecord } from '../../../lib/users'
import { CopyButton, ErrorBox, Field, Modal } from '../../../components/ui'

interface GlobalRole {
  name: string
  description: string
  builtin: boolean
  capabilities: string[]
}

export function CreateUser(props: { onClose: () => void; onCreated: (u: UserRecord) => void }) {
  const [f, setF] = useState<NewUserForm>(emptyNewUser)
  const [roles, setRoles] = useState<GlobalRole[]>([])
  const [touched, setTouched] = useState(false)
  const [shown, setShown] = useState(false)
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  useEffect(() => {
    get<{ items: GlobalRole[] }>('/v1/globalroles')
      .then((r) => setRoles(r.items.filter((g) => !g.builtin)))
      .catch(() => setRoles([]))
  }, [])
  const errors = validateNewUser(f)
  const show = (k: string) => (touched ? errors[k] : undefined)
  const set = <K extends keyof NewUserForm>(k: K, v: NewUserForm[K]) => setF({ ...f, [k]: v })
  const submit = async () => {
    setTouched(true)
    if (Object.keys(errors).length) return
    setBusy(true)
    setErr(null)
    try {
      props.onCreated(await api<UserRecord>('POST', '/v1/users', { body: newUserBody(f) }))
    } catch (e) {
      setErr(e)
      setBusy(false)
    }
  }
  return (
    <Modal
      title="Create a local user"
      onClose={props.onClose}
      footer={
        <>
          <button onClick={props.onClose}>Cancel</button>
          <button className="primary" onClick={submit} disabled={busy} data-testid="create-user-submit">
            {busy ? 'Creating…' : 'Create user'}
          </button>
        </>
      }
    >
      <div className="muted small">
        A local user signs in with a Paddock password. People from a sign-in provider (LDAP, OIDC, SAML, GitHub) need no account here:
        theirs is made at their first sign-in.
      </div>
      <div className="grid2">
        <Field label="Username" error={show('username')}>
          <input value={f.username} onChange={(e) => set('username', e.target.value)} name="new-username" autoFocus autoComplete="off" />
        </Field>
        <Field label="Display name" error={show('displayName')} hint="Optional, e.g. their full name.">
          <input value={f.displayName} onChange={(e) => set('displayName', e.target.value)} name="new-display-name" />
        </Field>
        <Field label="Password" error={show('password')} hint="At least 12 characters.">
          <input type={shown ? 'text' : 'password'} value={f.password} onChange={(e) => set('password', e.target.value)} name="new-password" autoComplete="new-password" />
        </Field>
        <Field label="Repeat the password" error={show('confirm')}>
          <input type={shown ? 'text' : 'password'} value={f.confirm} onChange={(e) => set('confirm', e.target.value)} name="new-password-confirm" autoComplete="new-password" />
        </Field>
      </div>
      <div className="row">
        <button
          onClick={() => {
            const p = generatePassword()
            setF({ ...f, password: p, confirm: p })
            setShown(true)
          }}
        >
          Generate a password
        </button>
        {shown && f.password && <CopyButton text={f.password} label="Copy password" />}
        <label className="row" style={{ gap: 4 }}>
          <input type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} /> Show
        </label>
      </div>
      <label className="row" style={{ gap: 6 }}>
        <input type="checkbox" checked={f.mustChangePassword} onChange={(e) => set('mustChangePassword', e.target.checked)} name="must-change" />
        Temporary password: they must choose their own at first sign-in
      </label>
      <label className="row" style={{ gap: 6 }}>
        <input type="checkbox" checked={f.admin} onChange={(e) => set('admin', e.target.checked)} name="new-admin" />
        Administrator: every capability, and cluster-admin in every cluster
      </label>
      {roles.length > 0 && (
        <Field label="Global roles" hint="Custom roles granting Paddock capabilities (manage users, read the audit log…).">
          <div className="row">
            {roles.map((r) => (
              <label key={r.name} className="row" style={{ gap: 4, fontWeight: 400 }} title={`${r.description} (${r.capabilities.join(', ')})`}>
                <input
                  type="checkbox"
                  checked={f.globalRoles.includes(r.name)}
                  onChange={(e) => set('globalRoles', e.target.checked ? [...f.globalRoles, r.name] : f.globalRoles.filter((x) => x !== r.name))}
                />
                {r.name}
              </label>
            ))}
          </div>
        </Field>
      )}
      <Field label="Local groups" error={show('groups')} hint="Separated by spaces or commas. Bindings to a group reach its members.">
        <input value={f.groups} onChange={(e) => set('groups', e.target.value)} name="new-groups" placeholder="sre, dba" />
      </Field>
      <ErrorBox error={err} />
    </Modal>
  )
}
