// Server settings changed at run time (settings-manage): each setting with
// its effective value, whether it is the server flag's or set here, help,
// checks, a reset to the flag, and one Save for the changes.
import { useCallback, useEffect, useState } from 'react'
import { api, ApiError, get } from '../../lib/api'
import {
  edit, FIELDS, formFrom, humanDuration, patchBody, reset, serverErrors, validate,
  type FieldInfo, type SettingsForm, type SettingsView,
} from '../../lib/settings'
import { when } from '../../lib/when'
import { ErrorBox, Field, Loading } from '../../components/ui'

export function Settings(_props: { cluster?: string }) {
  const [view, setView] = useState<SettingsView | null>(null)
  const [form, setForm] = useState<SettingsForm | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [serverFields, setServerFields] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  const show = useCallback((v: SettingsView) => {
    setView(v)
    setForm(formFrom(v))
    setServerFields({})
  }, [])
  const load = useCallback(() => {
    setErr(null)
    get<SettingsView>('/v1/settings').then(show, setErr)
  }, [show])
  useEffect(load, [load])
  if (!view || !form) return err ? <ErrorBox error={err} /> : <Loading />

  const errors = validate(form, view)
  const body = patchBody(form, view)
  const dirty = Object.keys(body).length > 0
  const stale = err instanceof ApiError && err.status === 409
  const change = (name: FieldInfo['name'], st: SettingsForm[FieldInfo['name']]) => {
    setForm({ ...form, [name]: st })
    setServerFields({ ...serverFields, [name]: '' })
    setSaved(false)
  }
  const save = async () => {
    setBusy(true)
    setErr(null)
    try {
      show(await api<SettingsView>('PATCH', '/v1/settings', { body: { revision: view.revision, ...body } }))
      setSaved(true)
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const split = serverErrors(e.message)
        setServerFields(split.fields)
        setErr(split.rest ? new ApiError(422, e.code, split.rest) : null)
      } else {
        setErr(e)
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <div className="row">
        <div className="muted" style={{ marginRight: 'auto' }}>
          A value set here overrides the server flag on every replica within seconds, until it is reset.
          {view.updatedAt && <> Last changed by <strong>{view.updatedBy}</strong> {when(view.updatedAt)}.</>}
        </div>
      </div>
      {FIELDS.map((info) => (
        <SettingCard key={info.name} info={info} view={view} form={form} error={serverFields[info.name] || errors[info.name]}
          onChange={(st) => change(info.name, st)} />
      ))}
      <ErrorBox error={err} />
      <div className="row end">
        {saved && !dirty && <span className="badge ok">Saved</span>}
        {stale && <button onClick={load}>Reload the current settings</button>}
        <button onClick={() => { show(view); setSaved(false) }} disabled={!dirty || busy}>Discard changes</button>
        <button className="primary" onClick={save} disabled={!dirty || busy || Object.keys(errors).length > 0}>Save</button>
      </div>
    </>
  )
}

function SettingCard(props: {
  info: FieldInfo
  view: SettingsView
  form: SettingsForm
  error?: string
  onChange: (st: SettingsForm[FieldInfo['name']]) => void
}) {
  const { info, view, form } = props
  const s = view[info.name]
  const st = form[info.name]
  const duration = info.kind === 'duration'
  const words = duration ? humanDuration(st.value, s.zeroDisables) : ''
  const bounds = duration && s.min && s.max ? ` From ${s.min} to ${s.max}${s.zeroDisables ? ', or 0s for off' : ''}.` : ''
  return (
    <div className="card" data-setting={info.name} style={{ marginTop: 12 }}>
      <div className="row" style={{ marginBottom: 6 }}>
        <strong style={{ marginRight: 'auto' }}>{info.label}</strong>
        {st.mode === 'set'
          ? <span className="badge ok">set here</span>
          : <span className="badge" title={`server flag ${s.flag}`}>server default</span>}
        <button disabled={st.mode === 'flag'} onClick={() => props.onChange(reset(view, info.name))}
          title={`back to ${s.flag} (${s.default})`}>
          Reset to the server default
        </button>
      </div>
      <div className="grid2">
        <Field label={duration ? 'Value (a Go duration: 720h, 90m, 1h30m)' : 'Value'} error={props.error}
          hint={words ? `${words}.${bounds}` : bounds.trim()}>
          <input className="mono" value={st.value} aria-label={info.label} spellCheck={false}
            onChange={(e) => props.onChange(edit(e.target.value))} />
        </Field>
        <div className="small muted">
          <p style={{ marginTop: 0 }}>{info.help}</p>
          <p>
            In effect: <span className="mono">{s.value}</span>. Server default (<span className="mono">{s.flag}</span>):{' '}
            <span className="mono">{s.default}</span>.
            {info.name === 'sessionIdleTimeout' && <> Sessions last at most <span className="mono">{view.sessionTTL}</span> (--session-ttl).</>}
          </p>
        </div>
      </div>
    </div>
  )
}
