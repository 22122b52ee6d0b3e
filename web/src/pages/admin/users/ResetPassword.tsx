// An administrator's password reset: the new password is temporary (the
// user must change it at their next sign-in) and every session and API
// token of theirs is revoked at once.
import { useState } from 'react'
import { api } from '../../../lib/api'
import { generatePassword, passwordProblem, type UserRecord } from '../../../lib/users'
import { CopyButton, ErrorBox, Field, Modal } from '../../../components/ui'

export function ResetPassword(props: { user: UserRecord; onClose: () => void; onDone: () => void }) {
  const { user } = props
  const [password, setPassword] = useState('')
  const [shown, setShown] = useState(false)
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const problem = passwordProblem(user.username, password)
  const submit = async () => {
    setTouched(true)
    if (problem) return
    setBusy(true)
    setErr(null)
    try {
      await api('PATCH', `/v1/users/${encodeURIComponent(user.id)}`, { body: { password } })
      setDone(true)
      props.onDone()
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal
      title={`Reset the password of ${user.username}`}
      onClose={props.onClose}
      footer={
        done ? (
          <button className="primary" onClick={props.onClose}>Done</button>
        ) : (
          <>
            <button onClick={props.onClose}>Cancel</button>
            <button className="danger solid" onClick={submit} disabled={busy} data-testid="reset-submit">
              {busy ? 'Resetting…' : 'Reset password'}
            </button>
          </>
        )
      }
    >
      {done ? (
        <div className="alert success" data-testid="reset-done">
          The password of {user.username} is reset. Give them the new password through a safe channel: they must choose their own when they
          sign in. Their sessions and API tokens were revoked.
        </div>
      ) : (
        <>
          <div className="alert info">
            The new password is temporary: {user.username} must choose their own at their next sign-in. Every session and API token of
            theirs is revoked now.
          </div>
          <Field label="New password" error={touched && problem ? problem : undefined} hint="At least 12 characters.">
            <input
              type={shown ? 'text' : 'password'}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              name="reset-password"
              autoComplete="new-password"
              autoFocus
            />
          </Field>
          <div className="row">
            <button
              onClick={() => {
                setPassword(generatePassword())
                setShown(true)
              }}
            >
              Generate
            </button>
            {password && <CopyButton text={password} label="Copy password" />}
            <label className="row" style={{ gap: 4 }}>
              <input type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} /> Show
            </label>
          </div>
        </>
      )}
      <ErrorBox error={err} />
    </Modal>
  )
}
