// Creating an API token: what it is for and how long it lasts; then its
// secret, shown this once (only a hash is kept), with a copy button.
import { useState } from 'react'
import { api } from '../../../lib/api'
import { tokenBody, TTL_CHOICES, validateToken, type CreatedToken, type TokenForm } from '../../../lib/tokens'
import { when } from '../../../lib/when'
import { CopyButton, ErrorBox, Field, Modal } from '../../../components/ui'

export function CreateToken(props: { onClose: () => void; onCreated: () => void }) {
  const [f, setF] = useState<TokenForm>({ description: '', ttl: '720h', custom: '' })
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const [created, setCreated] = useState<CreatedToken | null>(null)
  const errors = validateToken(f)
  const show = (k: string) => (touched ? errors[k] : undefined)
  const submit = async () => {
    setTouched(true)
    if (Object.keys(errors).length) return
    setBusy(true)
    setErr(null)
    try {
      setCreated(await api<CreatedToken>('POST', '/v1/tokens', { body: tokenBody(f) }))
      props.onCreated()
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  if (created) {
    return (
      <Modal
        title="Your new API token"
        onClose={() => undefined}
        footer={<button className="primary" onClick={() => { setCreated(null); props.onClose() }}>I have copied it, close</button>}
      >
        <div className="alert error" role="alert">
          Copy the token now: <strong>this is the only time it is shown.</strong> Paddock keeps only a hash of it. Anyone holding it acts as
          you until it expires or you revoke it, so keep it in a secret store, never in code or chat.
        </div>
        <div className="row" style={{ flexWrap: 'nowrap', alignItems: 'flex-start' }}>
          <code className="codebox" style={{ flex: 1 }} data-testid="new-token">{created.token}</code>
          <CopyButton text={created.token} label="Copy token" />
        </div>
        <div className="muted small">
          “{created.description}”, expires {when(created.expiresAt)}. Use it as <span className="mono">Authorization: Bearer &lt;token&gt;</span>.
        </div>
      </Modal>
    )
  }
  return (
    <Modal
      title="Create an API token"
      onClose={props.onClose}
      footer={
        <>
          <button onClick={props.onClose}>Cancel</button>
          <button className="primary" onClick={submit} disabled={busy} data-testid="create-token-submit">{busy ? 'Creating…' : 'Create token'}</button>
        </>
      }
    >
      <div className="muted small">An API token lets scripts and tools call Paddock and reach your clusters as you, with your access.</div>
      <Field label="Description" error={show('description')} hint="What uses it, so you recognise it later (e.g. “CI deploys”).">
        <input name="token-description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} autoFocus />
      </Field>
      <Field label="Expires after" hint="The server may allow less; it says so if the lifetime is too long.">
        <select name="token-ttl" value={f.ttl} onChange={(e) => setF({ ...f, ttl: e.target.value })}>
          {TTL_CHOICES.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
        </select>
      </Field>
      {f.ttl === 'custom' && (
        <Field label="Custom lifetime" error={show('custom')} hint="A number and a unit: 90m, 12h, 10d or 2w.">
          <input name="token-ttl-custom" value={f.custom} onChange={(e) => setF({ ...f, custom: e.target.value })} />
        </Field>
      )}
      <ErrorBox error={err} />
    </Modal>
  )
}
