// Change the signed-in user's password; forced for the bootstrap admin.
import { useState } from 'react'
import { api } from '../lib/api'
import { useSession } from '../lib/session'
import { ErrorBox, Field } from '../components/ui'

export function ChangePassword(props: { forced?: boolean; onDone: () => void }) {
  const { user, signOut } = useSession()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [again, setAgain] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const mismatch = again !== '' && again !== next
  const form = (
    <form
      className={props.forced ? 'login-card' : 'card'}
      style={props.forced ? undefined : { maxWidth: 440, display: 'flex', flexDirection: 'column', gap: 12 }}
      onSubmit={async (e) => {
        e.preventDefault()
        if (next !== again) return
        setBusy(true)
        setErr(null)
        try {
          await api('POST', '/v1/me/password', { body: { current, new: next } })
          props.onDone()
        } catch (x) {
          setErr(x)
        } finally {
          setBusy(false)
        }
      }}
    >
      {props.forced && (
        <>
          <div className="brand">
            <span className="brand-mark" /> Paddock
          </div>
          <div className="alert info">Welcome, {user.username}. Choose a new password before you continue.</div>
        </>
      )}
      <Field label="Current password">
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} name="current" required />
      </Field>
      <Field label="New password" hint="At least 12 characters.">
        <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} name="new" required />
      </Field>
      <Field label="New password again" error={mismatch ? 'The two passwords differ.' : undefined}>
        <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} name="again" required />
      </Field>
      <ErrorBox error={err} />
      <div className="row end">
        {props.forced && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
        <button className="primary" type="submit" disabled={busy || mismatch}>
          Change password
        </button>
      </div>
    </form>
  )
  return props.forced ? <div className="login-page">{form}</div> : form
}
