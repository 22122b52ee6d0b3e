// Access as data: export the model as YAML, paste a changed document, see
// the dry-run's changes (or its problems by document), apply; and a
// "who can" query.
import { useEffect, useState } from 'react'
import { csrfToken, get, listAll } from '../../lib/api'
import type { Cluster } from '../../lib/types'
import { LazyEditor } from '../../components/lazy'
import { ErrorBox, Field } from '../../components/ui'

interface Change { action: string; kind: string; name: string; detail?: string }
interface Problem { document?: number; kind?: string; name?: string; message: string }
interface Result { dryRun: boolean; changes: Change[]; errors: Problem[]; error?: string; message?: string; failed?: Change }

async function applyDoc(text: string, dryRun: boolean, prune: boolean): Promise<Result> {
  const res = await fetch(`/v1/access/apply?dryRun=${dryRun}&prune=${prune}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/yaml', Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
    body: text,
    credentials: 'same-origin',
  })
  const body = await res.json().catch(() => null)
  if (!body) throw new Error(`the server answered ${res.status}`)
  if (!res.ok && !body.errors && !body.changes) throw new Error(body.message || `the server answered ${res.status}`)
  return { changes: [], errors: [], ...body }
}

export function AccessData() {
  const [text, setText] = useState('')
  const [prune, setPrune] = useState(false)
  const [result, setResult] = useState<Result | null>(null)
  const [applied, setApplied] = useState<Result | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    get<string>('/v1/access/export').then(setText, setErr)
  }, [])
  const run = async (dry: boolean) => {
    setBusy(true)
    setErr(null)
    try {
      const r = await applyDoc(text, dry, prune)
      if (dry) {
        setResult(r)
        setApplied(null)
      } else {
        setApplied(r)
        setResult(null)
      }
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const ok = result && result.errors.length === 0 && !result.error
  return (
    <>
      <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
        <div className="row">
          <span className="muted" style={{ marginRight: 'auto' }}>Global roles, templates, projects, users' roles and bindings as YAML. Edit, check, apply — all or nothing.</span>
          <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={prune} onChange={(e) => { setPrune(e.target.checked); setResult(null) }} /> Delete what the document does not list</label>
          <button className="primary" onClick={() => run(true)} disabled={busy || !text}>Dry run</button>
        </div>
        <LazyEditor value={text} onChange={(v) => { setText(v); setResult(null) }} testId="access-editor" />
        <ErrorBox error={err} />
      </div>
      {result && (
        <div className="card" data-testid="access-dry-run">
          <h2>{ok ? (result.changes.length ? `${result.changes.length} changes` : 'Nothing to change') : 'Problems — nothing would be applied'}</h2>
          <ChangeList r={result} />
          {ok && result.changes.length > 0 && <div className="row end"><button className="primary" onClick={() => run(false)} disabled={busy}>Apply these changes</button></div>}
        </div>
      )}
      {applied && (
        <div className="card" data-testid="access-applied">
          <h2>{applied.errors.length || applied.error ? 'Not applied' : 'Applied'}</h2>
          <ChangeList r={applied} />
        </div>
      )}
      <WhoCan />
    </>
  )
}

function ChangeList({ r }: { r: Result }) {
  return (
    <div className="results">
      {r.error && <div className="alert error">{r.message || r.error}{r.failed ? ` (at ${r.failed.action} ${r.failed.kind} ${r.failed.name})` : ''}</div>}
      {r.errors.map((p, i) => (
        <div key={i} className="result"><span className="badge bad">error</span><span>{p.document ? `document ${p.document}: ` : ''}{p.kind} {p.name} — {p.message}</span></div>
      ))}
      {r.changes.map((c, i) => (
        <div key={i} className="result"><span className={`badge ${c.action === 'delete' ? 'bad' : c.action === 'create' ? 'ok' : 'warn'}`}>{c.action}</span><span>{c.kind} <strong>{c.name}</strong> {c.detail && <span className="muted">{c.detail}</span>}</span></div>
      ))}
    </div>
  )
}

interface WhoCanSubject { kind: string; name: string; via: string; binding?: string; expiresAt?: string }

function WhoCan() {
  const [clusters, setClusters] = useState<Cluster[]>([])
  const [q, setQ] = useState({ cluster: '', namespace: '', verb: 'get', resource: 'pods' })
  const [out, setOut] = useState<WhoCanSubject[] | null>(null)
  const [err, setErr] = useState<unknown>(null)
  useEffect(() => {
    listAll<Cluster>('/v1/clusters').then((cs) => {
      setClusters(cs)
      setQ((x) => ({ ...x, cluster: x.cluster || cs[0]?.id || '' }))
    }, () => undefined)
  }, [])
  return (
    <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
      <h2>Who can…</h2>
      <div className="row" style={{ alignItems: 'flex-end' }}>
        <Field label="Cluster">
          <select value={q.cluster} onChange={(e) => setQ({ ...q, cluster: e.target.value })}>{clusters.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
        </Field>
        <Field label="Namespace"><input value={q.namespace} placeholder="(whole cluster)" onChange={(e) => setQ({ ...q, namespace: e.target.value })} /></Field>
        <Field label="Verb"><input value={q.verb} onChange={(e) => setQ({ ...q, verb: e.target.value })} style={{ width: 100 }} /></Field>
        <Field label="Resource"><input value={q.resource} onChange={(e) => setQ({ ...q, resource: e.target.value })} placeholder="pods, deployments.apps, pods/log" /></Field>
        <button className="primary" onClick={async () => {
          setErr(null)
          try {
            const r = await get<{ subjects: WhoCanSubject[] }>(`/v1/access/who-can?${new URLSearchParams(q)}`)
            setOut(r.subjects)
          } catch (e) {
            setErr(e)
          }
        }}>Ask</button>
      </div>
      <ErrorBox error={err} />
      {out && (
        <div className="results" data-testid="who-can">
          {out.length === 0 && <div className="muted">Nobody.</div>}
          {out.map((s, i) => (
            <div className="result" key={i}><span className="tag">{s.kind}</span><span><strong>{s.name}</strong> <span className="muted">via {s.via}{s.expiresAt ? `, until ${new Date(s.expiresAt).toLocaleString()}` : ''}</span></span></div>
          ))}
        </div>
      )}
    </div>
  )
}
