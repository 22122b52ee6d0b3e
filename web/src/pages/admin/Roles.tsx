// Role templates and global roles: built-ins read-only, custom ones
// created and edited (rules editor with discovery-driven suggestions from a
// chosen cluster, inheritance), and where each template is bound.
import { useEffect, useState } from 'react'
import { api, get, listAll } from '../../lib/api'
import { parseRules, ruleText, rulesToText, type Binding, type Template } from '../../lib/access'
import { discovery } from '../../lib/discovery'
import type { Cluster } from '../../lib/types'
import { Confirm, ErrorBox, Field, Loading, Modal } from '../../components/ui'
import { GlobalRoles } from './GlobalRoles'

export function Roles() {
  const [templates, setTemplates] = useState<Template[] | null>(null)
  const [bindings, setBindings] = useState<Binding[]>([])
  const [err, setErr] = useState<unknown>(null)
  const [editing, setEditing] = useState<Template | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Template | null>(null)
  const [tab, setTab] = useState<'templates' | 'global'>('templates')
  const [tick, setTick] = useState(0)
  useEffect(() => {
    get<{ items: Template[] }>('/v1/roletemplates').then((r) => setTemplates(r.items), setErr)
    listAll<Binding>('/v1/bindings').then(setBindings, () => setBindings([]))
  }, [tick])
  const uses = (name: string) => bindings.filter((b) => b.roleTemplate === name).length
  return (
    <>
      <div className="tabs" role="tablist">
        <button className={tab === 'templates' ? 'active' : ''} onClick={() => setTab('templates')}>Role templates</button>
        <button className={tab === 'global' ? 'active' : ''} onClick={() => setTab('global')}>Global roles</button>
      </div>
      {tab === 'global' ? <GlobalRoles /> : (
        <>
          <div className="row">
            <div className="muted" style={{ marginRight: 'auto' }}>A template is a set of Kubernetes permissions granted in a cluster or in a project's namespaces.</div>
            <button className="primary" onClick={() => setEditing('new')}>New template</button>
          </div>
          <ErrorBox error={err} />
          {!templates ? <Loading /> : templates.map((t) => (
            <div className="card" key={t.name} data-testid={`template-${t.name}`}>
              <div className="row">
                <strong>{t.name}</strong>
                <span className="tag">{t.context}</span>
                {t.builtin ? <span className="badge">built-in</span> : <span className="badge ok">custom</span>}
                <span className="muted small" style={{ marginRight: 'auto' }}>bound {uses(t.name)} {uses(t.name) === 1 ? 'time' : 'times'}</span>
                {!t.builtin && <button onClick={() => setEditing(t)}>Edit</button>}
                {!t.builtin && <button className="danger" onClick={() => setDeleting(t)}>Delete</button>}
              </div>
              {t.description && <div className="muted" style={{ margin: '6px 0' }}>{t.description}</div>}
              {t.inherits?.length ? <div className="small">inherits {t.inherits.join(', ')}</div> : null}
              <details>
                <summary className="small muted" style={{ cursor: 'pointer' }}>{t.effectiveRules.length} rules</summary>
                <div className="mono small" style={{ marginTop: 6 }}>{t.effectiveRules.map((r, i) => <div key={i}>{ruleText(r)}</div>)}</div>
              </details>
            </div>
          ))}
        </>
      )}
      {editing && <TemplateForm template={editing === 'new' ? undefined : editing} all={templates ?? []} onClose={() => { setEditing(null); setTick((x) => x + 1) }} />}
      {deleting && (
        <Confirm title={`Delete ${deleting.name}?`} action="Delete" danger onClose={() => { setDeleting(null); setTick((x) => x + 1) }}
          onConfirm={() => api('DELETE', `/v1/roletemplates/${encodeURIComponent(deleting.name)}`)}>
          A template still bound somewhere cannot be deleted; the server says where.
        </Confirm>
      )}
    </>
  )
}

function TemplateForm({ template, all, onClose }: { template?: Template; all: Template[]; onClose: () => void }) {
  const [name, setName] = useState(template?.name ?? '')
  const [description, setDescription] = useState(template?.description ?? '')
  const [context, setContext] = useState<'cluster' | 'project'>(template?.context ?? 'project')
  const [inherits, setInherits] = useState<string[]>(template?.inherits ?? [])
  const [rules, setRules] = useState(template ? rulesToText(template.rules) : 'get, list, watch | core | pods, services')
  const [err, setErr] = useState<unknown>(null)
  const parsed = parseRules(rules)
  return (
    <Modal title={template ? `Edit ${template.name}` : 'New role template'} onClose={onClose} wide
      footer={<><button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={!name || parsed.errors.length > 0} onClick={async () => {
          try {
            const body = { name, description, context, rules: parsed.rules, inherits }
            if (template) await api('PUT', `/v1/roletemplates/${encodeURIComponent(template.name)}`, { body })
            else await api('POST', '/v1/roletemplates', { body })
            onClose()
          } catch (e) {
            setErr(e)
          }
        }}>Save</button></>}>
      <div className="grid2">
        <Field label="Name"><input value={name} disabled={!!template} onChange={(e) => setName(e.target.value)} name="template-name" /></Field>
        <Field label="Granted in">
          <select value={context} onChange={(e) => setContext(e.target.value as 'cluster' | 'project')}>
            <option value="project">a project's namespaces</option>
            <option value="cluster">a whole cluster</option>
          </select>
        </Field>
      </div>
      <Field label="Description"><input value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
      <Field label="Inherits" hint="Everything these templates grant, too.">
        <div className="row">
          {all.filter((t) => t.name !== name && t.context === context).map((t) => (
            <label key={t.name} className="row" style={{ gap: 4 }}>
              <input type="checkbox" checked={inherits.includes(t.name)} onChange={(e) => setInherits(e.target.checked ? [...inherits, t.name] : inherits.filter((x) => x !== t.name))} /> {t.name}
            </label>
          ))}
        </div>
      </Field>
      <Field label="Rules" error={parsed.errors[0]} hint='One per line: "verbs | apiGroups | resources", comma-separated; "core" is the core group, "*" means all.'>
        <textarea rows={8} className="mono" value={rules} onChange={(e) => setRules(e.target.value)} name="rules" />
      </Field>
      <Suggestions onPick={(line) => setRules((r) => (r.trim() ? r.trimEnd() + '\n' : '') + line)} />
      <ErrorBox error={err} />
    </Modal>
  )
}

// Suggestions lists a cluster's resource types (discovery) to add as rules.
function Suggestions({ onPick }: { onPick: (line: string) => void }) {
  const [clusters, setClusters] = useState<Cluster[]>([])
  const [cluster, setCluster] = useState('')
  const [q, setQ] = useState('')
  const [types, setTypes] = useState<{ group: string; resource: string; verbs: string[] }[]>([])
  useEffect(() => {
    listAll<Cluster>('/v1/clusters').then((cs) => setClusters(cs.filter((c) => c.state === 'active')), () => undefined)
  }, [])
  useEffect(() => {
    if (cluster) discovery(cluster).then(setTypes, () => setTypes([]))
  }, [cluster])
  const shown = types.filter((t) => !q || `${t.group} ${t.resource}`.includes(q.toLowerCase())).slice(0, 12)
  return (
    <div className="card" style={{ background: '#f8fafc' }}>
      <div className="row">
        <span className="small muted">Suggestions from</span>
        <select value={cluster} onChange={(e) => setCluster(e.target.value)} aria-label="Cluster for suggestions">
          <option value="">pick a cluster…</option>
          {clusters.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
        {cluster && <input placeholder="filter" value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 140 }} />}
      </div>
      {shown.map((t) => (
        <div key={t.group + t.resource} className="row small" style={{ marginTop: 4 }}>
          <span className="mono" style={{ minWidth: 260 }}>{t.resource} <span className="muted">{t.group || 'core'}</span></span>
          <button className="link" onClick={() => onPick(`get, list, watch | ${t.group || 'core'} | ${t.resource}`)}>+ read</button>
          <button className="link" onClick={() => onPick(`${t.verbs.join(', ')} | ${t.group || 'core'} | ${t.resource}`)}>+ all verbs</button>
        </div>
      ))}
    </div>
  )
}
