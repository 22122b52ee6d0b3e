// Creating or changing one provider: its name and label, every setting of
// its type explained, who may sign in through it, enabled or not; then the
// test of the saved settings.
import { useState } from 'react'
import { api } from '../../../lib/api'
import { formFromView, providerBody, TYPES, validateProvider, type ProviderForm, type ProviderView } from '../../../lib/providers'
import { CopyButton, ErrorBox, Field } from '../../../components/ui'
import { SettingField } from './SettingField'
import { TestPanel } from './TestPanel'

export function ProviderEditor(props: { initial: ProviderForm; callbackURL?: string; onSaved: (v: ProviderView) => void; onClose: () => void; onDelete: () => void }) {
  const [f, setF] = useState<ProviderForm>(props.initial)
  const [saved, setSaved] = useState(() => (props.initial.isNew ? '' : JSON.stringify(providerBody(props.initial))))
  const [callback, setCallback] = useState(props.callbackURL ?? '')
  const [advanced, setAdvanced] = useState(false)
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const spec = TYPES[f.type]
  const errors = validateProvider(f)
  const show = (k: string) => (touched ? errors[k] : undefined)
  const dirty = JSON.stringify(providerBody(f)) !== saved
  const setValue = (k: string, v: string | boolean) => setF({ ...f, values: { ...f.values, [k]: v } })
  const save = async () => {
    setTouched(true)
    setNotice('')
    if (Object.keys(errors).length) return
    setBusy(true)
    setErr(null)
    try {
      const v = await api<ProviderView>('PUT', `/v1/auth/providers/${encodeURIComponent(f.name)}`, { body: providerBody(f) })
      const next = formFromView(v)
      setF(next)
      setSaved(JSON.stringify(providerBody(next)))
      setCallback(v.callbackURL ?? '')
      setTouched(false)
      setNotice(`Saved ${v.name}${v.enabled ? ' (enabled)' : ' (disabled: nobody signs in through it yet)'}.`)
      props.onSaved(v)
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const basic = spec.fields.filter((x) => !x.advanced)
  const more = spec.fields.filter((x) => x.advanced)
  const field = (x: (typeof spec.fields)[number]) => (
    <SettingField key={x.key} spec={x} value={f.values[x.key]} secretSet={!!f.secretsSet[x.key]} error={show(x.key)} onChange={(v) => setValue(x.key, v)} />
  )
  return (
    <>
      <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 14 }} data-testid="provider-editor">
        <div className="row">
          <h2 style={{ margin: 0, marginRight: 'auto' }}>{f.isNew ? `New ${spec.title} provider` : `${f.name} (${spec.title})`}</h2>
          <button onClick={props.onClose}>Back to providers</button>
        </div>
        <div className="muted">{spec.intro}</div>
        <div className="grid2">
          <Field label="Name" error={show('name')} hint="Lower-case, in URLs and as the prefix of its groups (ldap:devs). Fixed once saved.">
            <input name="provider-name" value={f.name} disabled={!f.isNew} onChange={(e) => setF({ ...f, name: e.target.value })} />
          </Field>
          <Field label="Display name (optional)" hint={`Shown on the sign-in page: "Sign in with …". Default: the name.`}>
            <input name="provider-display-name" value={f.displayName} onChange={(e) => setF({ ...f, displayName: e.target.value })} />
          </Field>
        </div>
        {callback && spec.login === 'redirect' && (
          <div className="alert info">
            Callback URL to register at the provider: <span className="secret-value" data-testid="callback-url">{callback}</span> <CopyButton text={callback} />
            {f.type === 'saml' && <div>SP metadata for the IdP: <span className="secret-value">{callback.replace(/\/callback$/, '/metadata')}</span></div>}
          </div>
        )}
        <div className="grid2">{basic.map(field)}</div>
        {more.length > 0 && (
          <button className="link" style={{ alignSelf: 'flex-start' }} onClick={() => setAdvanced(!advanced)}>
            {advanced ? 'Hide advanced settings' : `Advanced settings (${more.length})`}
          </button>
        )}
        {advanced && <div className="grid2">{more.map(field)}</div>}
        <Field label="Who may sign in" error={show('access')}
          hint="Changing who may sign in, or disabling the provider, ends the sessions and tokens of its users at once; those still allowed sign in again.">
          <div className="row" style={{ fontWeight: 400 }}>
            <label className="row" style={{ gap: 4 }}>
              <input type="radio" name="access-mode" checked={f.accessMode === 'all'} onChange={() => setF({ ...f, accessMode: 'all' })} />
              {f.type === 'github' ? 'Every GitHub account (anyone on github.com!)' : 'Everyone the provider accepts'}
            </label>
            <label className="row" style={{ gap: 4 }}>
              <input type="radio" name="access-mode" checked={f.accessMode === 'restricted'} onChange={() => setF({ ...f, accessMode: 'restricted' })} />
              Only the users and groups listed
            </label>
          </div>
        </Field>
        {f.accessMode === 'restricted' && (
          <div className="grid2">
            <Field label="Allowed users" hint="Usernames as the provider names them (or their stable ID), separated by spaces or commas.">
              <input name="allowed-users" value={f.allowedUsers} onChange={(e) => setF({ ...f, allowedUsers: e.target.value })} />
            </Field>
            <Field label="Allowed groups" hint={f.type === 'github' ? 'Organizations ("acme") or teams ("acme:platform").' : `The provider's group names without the prefix: "devs", not "${f.name}:devs".`}>
              <input name="allowed-groups" value={f.allowedGroups} onChange={(e) => setF({ ...f, allowedGroups: e.target.value })} />
            </Field>
          </div>
        )}
        <label className="row" style={{ gap: 6 }}>
          <input type="checkbox" name="provider-enabled" checked={f.enabled} onChange={(e) => setF({ ...f, enabled: e.target.checked })} />
          <span>
            <strong>Enabled</strong> <span className="muted small">— keep it off until the test passes. Off: nobody signs in through it and its users' sessions end.</span>
          </span>
        </label>
        <ErrorBox error={err} />
        {touched && Object.keys(errors).length > 0 && <div className="alert error">Fix the fields marked above.</div>}
        {notice && !dirty && <div className="alert success" data-testid="provider-saved">{notice}</div>}
        <div className="row end">
          {!f.isNew && <button className="danger" onClick={props.onDelete}>Delete provider</button>}
          <button className="primary" onClick={save} disabled={busy || (!dirty && !f.isNew)} data-testid="provider-save">
            {busy ? 'Saving…' : dirty || f.isNew ? 'Save' : 'Saved'}
          </button>
        </div>
      </div>
      {!f.isNew && <TestPanel name={f.name} password={spec.login === 'password'} dirty={dirty} />}
    </>
  )
}
