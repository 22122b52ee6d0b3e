// The test action (POST /v1/auth/providers/{name}/test) against the saved
// settings: the connection (service bind and search bases for LDAP,
// discovery and keys for OIDC, metadata for SAML, the API for GitHub), and
// for a password provider a sign-in as someone, showing their groups.
import { useState } from 'react'
import { api } from '../../../lib/api'
import { testSummary, type TestResult } from '../../../lib/providers'
import { ErrorBox, Field } from '../../../components/ui'

export function TestPanel(props: { name: string; password: boolean; dirty: boolean }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<TestResult | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const run = async () => {
    setBusy(true)
    setResult(null)
    setErr(null)
    try {
      const body = username ? { username, password } : {}
      setResult(await api<TestResult>('POST', `/v1/auth/providers/${encodeURIComponent(props.name)}/test`, { body }))
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }} data-testid="provider-test">
      <h2 style={{ margin: 0 }}>Test</h2>
      <div className="muted small">
        Tests the <strong>saved</strong> settings{props.password ? ', and a sign-in when you give a username and password (the password is not stored)' : ''}.
        {props.dirty && <strong> You have unsaved changes: save first to test them.</strong>}
      </div>
      {props.password && (
        <div className="grid2">
          <Field label="Username (optional)">
            <input name="test-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Password">
            <input name="test-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
          </Field>
        </div>
      )}
      <div className="row">
        <button onClick={run} disabled={busy} data-testid="provider-test-run">{busy ? 'Testing…' : 'Test provider'}</button>
      </div>
      {result && (
        <div className={`alert ${result.ok ? 'success' : 'error'}`} data-testid="provider-test-result" role="status">
          <div style={{ fontWeight: 600 }}>{testSummary(result)}</div>
          <ul style={{ margin: '6px 0 0', paddingLeft: 18 }}>
            {result.steps.map((s, i) => (
              <li key={i}>
                {s.ok ? '✓' : '✗'} {s.name}{s.error ? `: ${s.error}` : ''}
              </li>
            ))}
            {result.steps.length === 0 && <li>The provider has nothing to check before a sign-in; try signing in.</li>}
          </ul>
        </div>
      )}
      <ErrorBox error={err} />
    </div>
  )
}
