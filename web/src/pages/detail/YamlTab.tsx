// View and edit an object's YAML: edits are checked with a server-side
// dry-run and shown as a diff before they are saved with server-side apply.
import { useState } from 'react'
import { parse } from 'yaml'
import { apply, type KObject, type ResourceType } from '../../lib/kube'
import { clean, MASK, masked, toYaml } from '../../lib/objyaml'
import { LazyDiff, LazyEditor } from '../../components/lazy'
import { ErrorBox } from '../../components/ui'

export function YamlTab(props: { cluster: string; t: ResourceType; obj: KObject; revealed: Set<string>; onSaved: () => void }) {
  const { cluster, t, obj } = props
  const view = toYaml(masked(clean(obj), props.revealed))
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState('')
  const [review, setReview] = useState<{ before: string; after: string; obj: KObject } | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const canEdit = t.verbs.includes('patch')

  const startEdit = () => {
    if (obj.kind === 'Secret' && obj.data && Object.keys(obj.data).some((k) => !props.revealed.has(k))) {
      setErr(new Error('Reveal every value of this Secret before editing it, so that no value is replaced by the mask.'))
      return
    }
    setText(toYaml(clean(obj)))
    setEditing(true)
    setErr(null)
  }
  const check = async () => {
    setBusy(true)
    setErr(null)
    try {
      const edited = parse(text) as KObject
      if (!edited || typeof edited !== 'object' || !edited.metadata) throw new Error('The YAML must be one object with apiVersion, kind and metadata.')
      if (edited.metadata.name !== obj.metadata.name || (edited.metadata.namespace ?? '') !== (obj.metadata.namespace ?? '')) {
        throw new Error('The name and namespace cannot change here; create a new object instead.')
      }
      if (JSON.stringify(edited).includes(MASK)) throw new Error('The YAML still holds a masked secret value.')
      const after = await apply(cluster, t, edited, { dryRun: true, force: true })
      setReview({ before: toYaml(clean(obj)), after: toYaml(clean(after)), obj: edited })
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const save = async () => {
    if (!review) return
    setBusy(true)
    setErr(null)
    try {
      await apply(cluster, t, review.obj, { force: true })
      setReview(null)
      setEditing(false)
      props.onSaved()
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  if (review) {
    return (
      <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
        <div className="row">
          <strong style={{ marginRight: 'auto' }}>Review the change (left: now, right: after saving, as the server computed it)</strong>
          <button onClick={() => setReview(null)}>Back to editing</button>
          <button className="primary" onClick={save} disabled={busy}>Save</button>
        </div>
        <ErrorBox error={err} />
        <LazyDiff before={review.before} after={review.after} />
      </div>
    )
  }
  return (
    <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
      <div className="row">
        <span className="muted small" style={{ marginRight: 'auto' }}>
          {editing ? 'Editing: changes are checked on the server before you save.' : 'Read-only view.'}
        </span>
        {editing ? (
          <>
            <button onClick={() => setEditing(false)}>Cancel</button>
            <button className="primary" onClick={check} disabled={busy}>Review changes</button>
          </>
        ) : (
          canEdit && <button onClick={startEdit}>Edit YAML</button>
        )}
      </div>
      <ErrorBox error={err} />
      {editing ? <LazyEditor value={text} onChange={setText} testId="yaml-editor" /> : <LazyEditor value={view} readOnly testId="yaml-view" />}
    </div>
  )
}
