// "I just want to apply this YAML": paste or upload documents, dry-run
// them all, then apply — the valid subset only when the user says so.
import { useState } from 'react'
import { useDiscovery } from '../lib/discovery'
import { applyPlan, dryRun, hasErrors, resolve, type Planned } from '../lib/importer'
import { useNamespaces } from '../lib/namespaces'
import { useLocation } from '../lib/router'
import { parseDocs } from '../lib/yamldocs'
import { LazyEditor } from '../components/lazy'
import { ErrorBox } from '../components/ui'
import { NamespacePicker } from './Explorer'

const OUTCOME_CLASS: Record<string, string> = { create: 'ok', update: 'warn', unchanged: '', created: 'ok', updated: 'ok', error: 'bad', skipped: 'bad' }

export function ImportYaml({ cluster }: { cluster: string }) {
  const loc = useLocation()
  const { types, error: dErr } = useDiscovery(cluster)
  const { namespaces } = useNamespaces(cluster)
  const [text, setText] = useState('')
  const [ns, setNs] = useState(loc.query.get('ns') || 'default')
  const [plan, setPlan] = useState<Planned[] | null>(null)
  const [applied, setApplied] = useState<Planned[] | null>(null)
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const namespaceChoices = namespaces && !namespaces.includes(ns) ? [ns, ...namespaces] : namespaces

  const check = async () => {
    if (!types) return
    setBusy(true)
    setErr(null)
    setApplied(null)
    try {
      const docs = parseDocs(text)
      if (docs.length === 0) throw new Error('There is no document to import.')
      setPlan(await dryRun(cluster, resolve(docs, types, ns)))
    } catch (e) {
      setErr(e)
      setPlan(null)
    } finally {
      setBusy(false)
    }
  }
  const run = async () => {
    if (!plan) return
    setBusy(true)
    try {
      setApplied(await applyPlan(cluster, plan))
      setPlan(null)
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const failed = plan ? hasErrors(plan) : false
  const valid = plan?.filter((p) => p.outcome !== 'error').length ?? 0
  return (
    <>
      <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <div className="row">
          <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
            Default namespace
            <NamespacePicker namespaces={namespaceChoices} value={ns} onChange={setNs} allowAll={false} />
          </label>
          <span className="muted small" style={{ marginRight: 'auto' }}>used for documents that name none</span>
          <label className="button">
            Upload file
            <input type="file" accept=".yaml,.yml,.json,text/*" hidden onChange={async (e) => {
              const f = e.target.files?.[0]
              if (f) {
                setText(await f.text())
                setPlan(null)
              }
            }} />
          </label>
        </div>
        <LazyEditor value={text} onChange={(v) => { setText(v); setPlan(null) }} testId="import-editor" />
        <div className="row end">
          <button className="primary" onClick={check} disabled={busy || !types || !text.trim()}>
            {busy && !plan ? 'Checking…' : 'Dry run'}
          </button>
        </div>
        <ErrorBox error={err || dErr} />
      </div>
      {plan && (
        <div className="card" data-testid="dry-run">
          <h2>Dry run {failed ? '— problems found, nothing applied' : '— ready to apply'}</h2>
          <Results items={plan} />
          <div className="row end" style={{ marginTop: 12 }}>
            {failed ? (
              <button className="danger" onClick={run} disabled={busy || valid === 0}>
                Apply the {valid} valid {valid === 1 ? 'object' : 'objects'} only
              </button>
            ) : (
              <button className="primary" onClick={run} disabled={busy}>Apply</button>
            )}
          </div>
        </div>
      )}
      {applied && (
        <div className="card" data-testid="apply-results">
          <h2>{hasErrors(applied) || applied.some((a) => a.outcome === 'skipped') ? 'Applied with problems' : 'Applied'}</h2>
          <Results items={applied} />
        </div>
      )}
    </>
  )
}

function Results({ items }: { items: Planned[] }) {
  return (
    <div className="results">
      {items.map((p, i) => (
        <div key={i} className="result" data-testid="import-result">
          <span className={`badge ${OUTCOME_CLASS[p.outcome] ?? ''}`}>{p.outcome}</span>
          <span>
            <strong>{p.label}</strong>
            {p.message && <div className="field-error" style={{ fontSize: 13 }}>{p.message}</div>}
          </span>
        </div>
      ))}
    </div>
  )
}
