// Projects of a cluster: create, rename, delete; their namespaces (create,
// move in, take out), quotas with usage, and members.
import { useEffect, useState } from 'react'
import { api, get, listAll } from '../lib/api'
import type { Project } from '../lib/access'
import { base, kget } from '../lib/kube'
import { useNamespaces } from '../lib/namespaces'
import { parseQuota, quantity, quotaText, sumUsed } from '../lib/quota'
import { Confirm, ErrorBox, Field, Loading, Modal } from '../components/ui'
import { Members } from './Members'

export function Projects({ cluster }: { cluster?: string }) {
  const [projects, setProjects] = useState<Project[] | null>(null)
  const [open, setOpen] = useState<string>('')
  const [creating, setCreating] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    listAll<Project>(`/v1/projects?cluster=${encodeURIComponent(cluster!)}`).then(setProjects, setErr)
  }, [cluster, tick])
  return (
    <>
      <div className="row">
        <div className="muted" style={{ marginRight: 'auto' }}>A project groups namespaces; its members get their role in every namespace of it.</div>
        <button className="primary" onClick={() => setCreating(true)}>Create project</button>
      </div>
      <ErrorBox error={err} />
      {!projects ? <Loading /> : projects.length === 0 ? <div className="card empty">No projects you can see in this cluster.</div> : (
        <div className="card flush">
          {projects.map((p) => (
            <div key={p.id} style={{ borderBottom: '1px solid var(--line)' }}>
              <div className="row" style={{ padding: '12px 16px', cursor: 'pointer' }} onClick={() => setOpen(open === p.id ? '' : p.id)} data-testid={`project-${p.name}`}>
                <strong style={{ minWidth: 180 }}>{p.name}</strong>
                <span className="muted" style={{ marginRight: 'auto' }}>{p.description}</span>
                {p.quota && <span className="tag">quota {quotaText(p.quota)}</span>}
                <span className="muted">{open === p.id ? '▾' : '▸'}</span>
              </div>
              {open === p.id && <ProjectDetail id={p.id} cluster={cluster!} onChanged={() => setTick((t) => t + 1)} />}
            </div>
          ))}
        </div>
      )}
      {creating && <ProjectForm cluster={cluster!} onClose={() => { setCreating(false); setTick((t) => t + 1) }} />}
    </>
  )
}

function ProjectForm({ cluster, project, onClose }: { cluster: string; project?: Project; onClose: () => void }) {
  const [name, setName] = useState(project?.name ?? '')
  const [description, setDescription] = useState(project?.description ?? '')
  const [quota, setQuota] = useState(quotaText(project?.quota))
  const [nsQuota, setNsQuota] = useState(quotaText(project?.namespaceQuota))
  const [err, setErr] = useState<unknown>(null)
  const q = parseQuota(quota)
  const nq = parseQuota(nsQuota)
  return (
    <Modal title={project ? `Edit ${project.name}` : 'Create a project'} onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={!name || !!q.error || !!nq.error} onClick={async () => {
          try {
            const body = { name, description, quota: q.quota, namespaceQuota: nq.quota }
            if (project) await api('PATCH', `/v1/projects/${encodeURIComponent(project.id)}`, { body })
            else await api('POST', '/v1/projects', { body: { cluster, ...body } })
            onClose()
          } catch (e) {
            setErr(e)
          }
        }}>{project ? 'Save' : 'Create'}</button></>}>
      <Field label="Name"><input value={name} onChange={(e) => setName(e.target.value)} name="project-name" autoFocus /></Field>
      <Field label="Description"><input value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
      <Field label="Project quota" error={q.error} hint="Total over all its namespaces, e.g. cpu=8, memory=16Gi, pods=200. Empty: none.">
        <input value={quota} onChange={(e) => setQuota(e.target.value)} name="quota" />
      </Field>
      <Field label="Default per namespace" error={nq.error} hint="Each namespace's share, e.g. cpu=2, memory=4Gi.">
        <input value={nsQuota} onChange={(e) => setNsQuota(e.target.value)} name="namespace-quota" />
      </Field>
      <ErrorBox error={err} />
    </Modal>
  )
}

function ProjectDetail({ id, cluster, onChanged }: { id: string; cluster: string; onChanged: () => void }) {
  const [p, setP] = useState<Project | null>(null)
  const [used, setUsed] = useState<Record<string, number>>({})
  const [err, setErr] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  const [dialog, setDialog] = useState<'' | 'edit' | 'delete' | 'create-ns' | 'move-ns'>('')
  const [detach, setDetach] = useState('')
  useEffect(() => {
    get<Project>(`/v1/projects/${encodeURIComponent(id)}`).then(async (x) => {
      setP(x)
      const quotas = await Promise.all((x.namespaces ?? []).map((n) =>
        kget<{ items: { status?: { used?: Record<string, string> } }[] }>(`${base(cluster)}/api/v1/namespaces/${encodeURIComponent(n)}/resourcequotas`).then((l) => l.items, () => [])))
      setUsed(sumUsed(quotas.flat()))
    }, setErr)
  }, [id, cluster, tick])
  if (err) return <div style={{ padding: 16 }}><ErrorBox error={err} /></div>
  if (!p) return <Loading />
  const done = () => { setDialog(''); setTick((t) => t + 1); onChanged() }
  return (
    <div style={{ padding: '0 16px 16px', display: 'flex', flexDirection: 'column', gap: 12 }}>
      <div className="row">
        <strong style={{ marginRight: 'auto' }}>Namespaces</strong>
        <button onClick={() => setDialog('create-ns')}>Create namespace</button>
        <button onClick={() => setDialog('move-ns')}>Move a namespace here</button>
        <button onClick={() => setDialog('edit')}>Edit</button>
        <button className="danger" onClick={() => setDialog('delete')}>Delete project</button>
      </div>
      {p.namespacesError && <div className="alert error">{p.namespacesError}</div>}
      <div className="row" data-testid="project-namespaces">
        {(p.namespaces ?? []).map((n) => (
          <span key={n} className="tag" style={{ fontSize: 13, padding: '3px 8px' }}>
            {n} <button className="link" title={`Take ${n} out of the project`} onClick={() => setDetach(n)}>×</button>
          </span>
        ))}
        {(p.namespaces ?? []).length === 0 && <span className="muted">No namespaces yet.</span>}
      </div>
      {p.quota && Object.keys(p.quota).length > 0 && (
        <div>
          <strong>Usage against quota</strong>
          {Object.entries(p.quota).map(([k, v]) => {
            const limit = quantity(v)
            const u = used[k.replace(/^requests\./, '')] ?? 0
            const pct = limit > 0 ? Math.min(100, (100 * u) / limit) : 0
            return (
              <div key={k} className="row" style={{ marginTop: 6 }}>
                <span style={{ width: 120 }}>{k}</span>
                <div className="progress" style={{ width: 240 }}><div style={{ width: `${pct}%`, background: pct > 90 ? 'var(--bad)' : undefined }} /></div>
                <span className="muted small">{Number.isFinite(u) ? +u.toFixed(2) : '?'} of {v}</span>
              </div>
            )
          })}
        </div>
      )}
      <strong>Members</strong>
      <Members project={p} />
      {dialog === 'edit' && <ProjectForm cluster={cluster} project={p} onClose={done} />}
      {dialog === 'delete' && (
        <Confirm title={`Delete project ${p.name}?`} action="Delete" danger onClose={() => setDialog('')}
          onConfirm={async () => { await api('DELETE', `/v1/projects/${encodeURIComponent(p.id)}`); onChanged() }}>
          Its bindings go; its namespaces stay, outside any project.
        </Confirm>
      )}
      {detach && (
        <Confirm title={`Take ${detach} out of ${p.name}?`} action="Take out" onClose={() => { setDetach(''); setTick((t) => t + 1) }}
          onConfirm={() => api('DELETE', `/v1/projects/${encodeURIComponent(p.id)}/namespaces/${encodeURIComponent(detach)}`)}>
          The namespace stays; the project's members lose access to it.
        </Confirm>
      )}
      {(dialog === 'create-ns' || dialog === 'move-ns') && <NamespaceDialog cluster={cluster} project={p} move={dialog === 'move-ns'} onClose={done} />}
    </div>
  )
}

function NamespaceDialog({ cluster, project, move, onClose }: { cluster: string; project: Project; move: boolean; onClose: () => void }) {
  const { namespaces } = useNamespaces(cluster)
  const [name, setName] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const candidates = (namespaces ?? []).filter((n) => !(project.namespaces ?? []).includes(n))
  return (
    <Modal title={move ? `Move a namespace into ${project.name}` : `Create a namespace in ${project.name}`} onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={!name} onClick={async () => {
          try {
            if (move) await api('PUT', `/v1/projects/${encodeURIComponent(project.id)}/namespaces/${encodeURIComponent(name)}`)
            else await api('POST', `/v1/projects/${encodeURIComponent(project.id)}/namespaces`, { body: { name } })
            onClose()
          } catch (e) {
            setErr(e)
          }
        }}>{move ? 'Move' : 'Create'}</button></>}>
      {move ? (
        <Field label="Namespace" hint="Moving needs rights on the project it leaves too; system namespaces never join a project.">
          <select value={name} onChange={(e) => setName(e.target.value)} aria-label="Namespace">
            <option value="">Choose…</option>
            {candidates.map((n) => <option key={n}>{n}</option>)}
          </select>
        </Field>
      ) : (
        <Field label="Name"><input value={name} onChange={(e) => setName(e.target.value)} name="namespace-name" autoFocus /></Field>
      )}
      <ErrorBox error={err} />
    </Modal>
  )
}
