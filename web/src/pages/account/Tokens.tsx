// The signed-in user's API tokens (created, expiry, last use; create with
// the secret shown once; revoke) and their browser and CLI sessions.
import { useCallback, useEffect, useState } from 'react'
import { api, get } from '../../lib/api'
import { useSession } from '../../lib/session'
import type { Token } from '../../lib/tokens'
import { relative, when } from '../../lib/when'
import { Confirm, ErrorBox } from '../../components/ui'
import { CreateToken } from './tokens/CreateToken'

const cell = { padding: '8px 12px', borderBottom: '1px solid var(--line)', textAlign: 'left' as const }

function TokenTable(props: { tokens: Token[]; testId: string; empty: string; onRevoke: (t: Token) => void }) {
  if (props.tokens.length === 0) return <div className="empty" style={{ padding: 24 }}>{props.empty}</div>
  return (
    <table style={{ borderCollapse: 'collapse', width: '100%', fontSize: 13 }} data-testid={props.testId}>
      <thead>
        <tr className="muted">
          {['Description', 'Created', 'Expires', 'Last used', ''].map((h) => <th key={h} style={cell}>{h}</th>)}
        </tr>
      </thead>
      <tbody>
        {props.tokens.map((t) => (
          <tr key={t.id} data-row={t.id}>
            <td style={cell}>
              {t.description || <span className="muted">(no description)</span>} {t.current && <span className="badge ok">this browser</span>}
            </td>
            <td style={cell} title={when(t.createdAt)}>{relative(t.createdAt)}</td>
            <td style={cell} title={when(t.expiresAt)}>{relative(t.expiresAt)}</td>
            <td style={cell} title={t.lastUsedAt ? when(t.lastUsedAt) : ''}>{t.lastUsedAt ? relative(t.lastUsedAt) : 'never'}</td>
            <td style={{ ...cell, textAlign: 'right' }}>
              <button className="link" style={{ color: 'var(--bad)' }} onClick={() => props.onRevoke(t)} aria-label={`Revoke ${t.description || t.id}`}>
                {t.current ? 'Sign out' : 'Revoke'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function Tokens() {
  const { signOut } = useSession()
  const [tokens, setTokens] = useState<Token[] | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [creating, setCreating] = useState(false)
  const [revoking, setRevoking] = useState<Token | null>(null)
  const load = useCallback(() => {
    get<{ items: Token[] }>('/v1/tokens')
      .then((r) => {
        setTokens(r.items)
        setErr(null)
      })
      .catch(setErr)
  }, [])
  useEffect(load, [load])
  const apiTokens = (tokens ?? []).filter((t) => t.kind === 'api')
  const sessions = (tokens ?? []).filter((t) => t.kind !== 'api')
  return (
    <>
      <div className="row">
        <div className="muted" style={{ flex: 1, minWidth: 300 }}>
          API tokens let scripts and tools act as you. They end when they expire, when you revoke them, and when an administrator resets your
          password or disables you.
        </div>
        <button className="primary" onClick={() => setCreating(true)}>Create token</button>
      </div>
      <ErrorBox error={err} />
      <div className="card flush">
        <div style={{ padding: '12px 16px', borderBottom: '1px solid var(--line)' }}><h2 style={{ margin: 0 }}>API tokens</h2></div>
        {tokens === null ? <div className="empty">Loading…</div> : (
          <TokenTable tokens={apiTokens} testId="api-tokens" empty="You have no API token." onRevoke={setRevoking} />
        )}
      </div>
      <div className="card flush">
        <div style={{ padding: '12px 16px', borderBottom: '1px solid var(--line)' }}>
          <h2 style={{ margin: 0 }}>Sessions</h2>
          <div className="muted small">Where you are signed in: browsers and the paddock CLI.</div>
        </div>
        {tokens !== null && <TokenTable tokens={sessions} testId="sessions" empty="No other session." onRevoke={setRevoking} />}
      </div>
      {creating && <CreateToken onClose={() => setCreating(false)} onCreated={load} />}
      {revoking && (
        <Confirm title={revoking.current ? 'Sign out of this browser?' : `Revoke “${revoking.description || revoking.id}”?`}
          action={revoking.current ? 'Sign out' : 'Revoke token'} danger onClose={() => {
            setRevoking(null)
            if (!revoking.current) load()
          }}
          onConfirm={async () => {
            if (revoking.current) return signOut()
            await api('DELETE', `/v1/tokens/${encodeURIComponent(revoking.id)}`)
          }}>
          {revoking.current
            ? 'This is the session of this browser: you will be signed out.'
            : 'Anything using it is refused from now on. This cannot be undone; create a new token if you need one again.'}
        </Confirm>
      )}
    </>
  )
}
