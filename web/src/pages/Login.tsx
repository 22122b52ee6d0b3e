// Sign in: a Paddock password, a password provider (LDAP), or a button
// per redirect provider (OIDC, SAML, GitHub).
import { useEffect, useState } from 'react'
import { api, get } from '../lib/api'
import type { ProviderSummary } from '../lib/types'
import { ErrorBox } from '../components/ui'

export function Login(props: { notice?: string; onSignedIn: () => Promise<void> }) {
  const [providers, setProviders] = useState<ProviderSummary[]>([])
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [via, setVia] = useState('')
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  useEffect(() => {
    get<{ items: ProviderSummary[] }>('/v1/auth/providers')
      .then((r) => setProviders(r.items ?? []))
      .catch(() => setProviders([]))
    const q = new URLSearchParams(location.search)
    if (q.get('error')) setErr(new Error(q.get('error')!))
  }, [])
  const passwordProviders = providers.filter((p) => p.login === 'password')
  const redirects = providers.filter((p) => p.login === 'redirect')
  return (
    <div className="login-page">
      <form
        className="login-card"
        onSubmit={async (e) => {
          e.preventDefault()
          setBusy(true)
          setErr(null)
          try {
            await api('POST', '/v1/auth/login', { body: { username, password, provider: via || undefined }, quiet401: true })
            setPassword('')
            await props.onSignedIn()
          } catch (x) {
            setErr(x)
          } finally {
            setBusy(false)
          }
        }}
      >
        <div className="brand">
          <span className="brand-mark" /> Paddock
        </div>
        <div className="muted">Sign in to reach your clusters.</div>
        {props.notice && <div className="alert info">{props.notice}</div>}
        {passwordProviders.length > 0 && (
          <label className="field">
            Sign in with
            <select value={via} onChange={(e) => setVia(e.target.value)} aria-label="Sign in with">
              <option value="">Paddock account</option>
              {passwordProviders.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.displayName || p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          Username
          <input autoFocus autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} name="username" required />
        </label>
        <label className="field">
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} name="password" required />
        </label>
        <ErrorBox error={err} />
        <button className="primary" type="submit" disabled={busy} style={{ justifyContent: 'center', padding: '9px' }}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {redirects.length > 0 && <div className="divider">or</div>}
        {redirects.map((p) => (
          <a key={p.name} className="button" style={{ justifyContent: 'center' }} href={`/v1/auth/providers/${encodeURIComponent(p.name)}/login`}>
            Sign in with {p.displayName || p.name}
          </a>
        ))}
      </form>
    </div>
  )
}
