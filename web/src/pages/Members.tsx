// Members of a cluster and of its projects: who holds which role template
// (user or group), granted by whom, until when; add (with an optional
// expiry) and remove. The server refuses grants beyond what one holds.
import { useEffect, useState } from 'react'
import { api, get, listAll } from '../lib/api'
import { expiryFrom, remaining, type Binding, type Project, type Subject, type Template } from '../lib/access'
import { Confirm, ErrorBox, Field, Loading, Modal } from '../components/ui'
import { PrincipalPicker } from '../components/PrincipalPicker'

export function Members({ cluster, project }: { cluster?: string; project?: Project }) {
  const scope = project ? `project=${encodeURIComponent(project.id)}` : `cluster=${encodeURIComponent(cluster!)}`
  const [bindings, setBindings] = useState<Binding[] | null>(null)
  const [projects, setProjects] = useState<Project[]>([])
  const [err, setErr] = useState<unknown>(null)
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<Binding | null>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    listAll<Binding>(`/v1/bindings?${scope}`).then(setBindings, setErr)
    if (!project && cluster) listAll<Project>(`/v1/projects?cluster=${encodeURIComponent(cluster)}`).then(setProjects, () => setProjects([]))
  }, [scope, tick, project, cluster])
  const projectName = (id?: string) => projects.find((p) => p.id === id)?.name ?? id
  const shown = project ? bindings : bindings?.filter((b) => !b.project)
  const inProjects = project ? [] : bindings?.filter((b) => b.project) ?? []
  return (
    <>
      <div className="row">
        <div className="muted" style={{ marginRight: 'auto' }}>
          {project ? `People and groups with a role in project ${project.name}.` : 'People and groups with a role in the whole cluster.'}
        </div>
        <button className="primary" onClick={() => setAdding(true)}>Add member</button>
      </div>
      <ErrorBox error={err} />
      {!shown ? <Loading /> : <BindingTable items={shown} onRemove={setRemoving} testId={project ? 'project-members' : 'cluster-members'} />}
      {!project && inProjects.length > 0 && (
        <>
          <h2 style={{ marginTop: 8 }}>In projects of this cluster</h2>
          <BindingTable items={inProjects} onRemove={setRemoving} projectName={projectName} testId="project-bindings" />
        </>
      )}
      {adding && <AddMember cluster={cluster} project={project} onClose={() => { setAdding(false); setTick((t) => t + 1) }} />}
      {removing && (
        <Confirm title="Remove this member?" action="Remove" danger onClose={() => { setRemoving(null); setTick((t) => t + 1) }}
          onConfirm={() => api('DELETE', `/v1/bindings/${encodeURIComponent(removing.id)}`)}>
          {removing.subject.kind} <strong>{removing.subject.name}</strong> loses <strong>{removing.roleTemplate}</strong>. Their access ends within seconds.
        </Confirm>
      )}
    </>
  )
}

function BindingTable(props: { items: Binding[]; onRemove: (b: Binding) => void; projectName?: (id?: string) => string | undefined; testId: string }) {
  if (props.items.length === 0) return <div className="card empty">No members yet.</div>
  return (
    <div className="card flush" data-testid={props.testId}>
      <div className="vtable">
        <div className="thead" style={{ gridTemplateColumns: '2fr 1.5fr 1fr 1fr 1.2fr 90px' }}>
          <div className="td">Member</div>
          <div className="td">Role</div>
          <div className="td">{props.projectName ? 'Project' : 'Granted by'}</div>
          <div className="td">Since</div>
          <div className="td">Expiry</div>
          <div className="td" />
        </div>
        {props.items.map((b) => (
          <div className="tr" key={b.id} style={{ gridTemplateColumns: '2fr 1.5fr 1fr 1fr 1.2fr 90px' }} data-row={`${b.subject.kind}:${b.subject.name}`}>
            <div className="td"><span className="tag">{b.subject.kind}</span> {b.subject.name}</div>
            <div className="td">{b.roleTemplate}</div>
            <div className="td">{props.projectName ? props.projectName(b.project) : b.createdBy}</div>
            <div className="td">{new Date(b.createdAt).toLocaleDateString()}</div>
            <div className="td"><span className={b.expired ? 'field-error' : ''}>{remaining(b.expiresAt)}</span></div>
            <div className="td"><button className="link" style={{ color: 'var(--bad)' }} onClick={() => props.onRemove(b)}>Remove</button></div>
          </div>
        ))}
      </div>
    </div>
  )
}

function AddMember({ cluster, project, onClose }: { cluster?: string; project?: Project; onClose: () => void }) {
  const [subject, setSubject] = useState<Subject | null>(null)
  const [templates, setTemplates] = useState<Template[]>([])
  const [role, setRole] = useState('')
  const [hours, setHours] = useState<number | ''>('')
  const [err, setErr] = useState<unknown>(null)
  const context = project ? 'project' : 'cluster'
  useEffect(() => {
    get<{ items: Template[] }>('/v1/roletemplates').then((r) => {
      const ts = r.items.filter((t) => t.context === context)
      setTemplates(ts)
      setRole(ts.find((t) => t.name.endsWith('-member'))?.name ?? ts[0]?.name ?? '')
    }, setErr)
  }, [context])
  return (
    <Modal title={`Add a member to ${project ? project.name : 'the cluster'}`} onClose={onClose}
      footer={<>
        <button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={!subject || !role} onClick={async () => {
          setErr(null)
          try {
            await api('POST', '/v1/bindings', { body: { subject, roleTemplate: role, cluster: project ? undefined : cluster, project: project?.id, expiresAt: expiryFrom(hours) } })
            onClose()
          } catch (e) {
            setErr(e)
          }
        }}>Add</button>
      </>}>
      <Field label="User or group"><PrincipalPicker value={subject} onChange={setSubject} /></Field>
      <Field label="Role" hint={templates.find((t) => t.name === role)?.description}>
        <select value={role} onChange={(e) => setRole(e.target.value)} aria-label="Role">
          {templates.map((t) => <option key={t.name} value={t.name}>{t.name}{t.builtin ? '' : ' (custom)'}</option>)}
        </select>
      </Field>
      <Field label="Access for" hint="Empty: until removed. The role is withdrawn from the cluster when it expires.">
        <div className="row">
          <input type="number" min={1} value={hours} onChange={(e) => setHours(e.target.value === '' ? '' : Number(e.target.value))} style={{ width: 100 }} aria-label="Hours" />
          <span>hours</span>
        </div>
      </Field>
      <ErrorBox error={err} />
    </Modal>
  )
}
