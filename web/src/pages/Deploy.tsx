// "I just want to run this container": a form that creates a Deployment
// (and a Service), with a live YAML preview, then shows the rollout.
import { useMemo, useState } from 'react'
import { useDiscovery } from '../lib/discovery'
import { apply, findType } from '../lib/kube'
import { detailPath } from '../lib/kinds'
import { useNamespaces } from '../lib/namespaces'
import { toYaml } from '../lib/objyaml'
import { navigate, useLocation } from '../lib/router'
import { emptyForm, objects, validate, type EnvVar, type WorkloadForm } from '../lib/workload'
import { LazyEditor } from '../components/lazy'
import { ErrorBox, Field } from '../components/ui'
import { NamespacePicker } from './Explorer'

export function Deploy({ cluster }: { cluster: string }) {
  const loc = useLocation()
  const { types } = useDiscovery(cluster)
  const { namespaces } = useNamespaces(cluster)
  const [f, setF] = useState<WorkloadForm>(() => emptyForm(loc.query.get('ns') || 'default'))
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const errors = validate(f)
  const preview = useMemo(() => objects(f).map(toYaml).join('---\n'), [f])
  const set = <K extends keyof WorkloadForm>(k: K, v: WorkloadForm[K]) => setF({ ...f, [k]: v })
  const show = (k: string) => (touched ? errors[k] : undefined)
  const nsChoices = namespaces && !namespaces.includes(f.namespace) ? [f.namespace, ...namespaces] : namespaces

  const submit = async () => {
    setTouched(true)
    if (Object.keys(errors).length || !types) return
    setBusy(true)
    setErr(null)
    try {
      for (const o of objects(f)) {
        const t = findType(types, o.apiVersion, o.kind)
        if (!t) throw new Error(`${o.kind} is not served by this cluster`)
        await apply(cluster, t, o)
      }
      navigate(detailPath(cluster, 'apps', 'v1', 'deployments', f.namespace, f.name))
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const envRow = (v: EnvVar, i: number) => {
    const upd = (p: Partial<EnvVar>) => set('env', f.env.map((x, j) => (j === i ? { ...x, ...p } : x)))
    return (
      <div key={i} className="row">
        <input placeholder="NAME" value={v.name} onChange={(e) => upd({ name: e.target.value })} aria-label={`Variable ${i + 1} name`} style={{ width: 150 }} />
        <select value={v.source} onChange={(e) => upd({ source: e.target.value as EnvVar['source'] })} aria-label={`Variable ${i + 1} source`}>
          <option value="value">value</option>
          <option value="configmap">from ConfigMap</option>
          <option value="secret">from Secret</option>
        </select>
        <input placeholder={v.source === 'value' ? 'value' : v.source === 'secret' ? 'Secret name' : 'ConfigMap name'} value={v.value} onChange={(e) => upd({ value: e.target.value })} style={{ width: 170 }} />
        {v.source !== 'value' && <input placeholder="key" value={v.key} onChange={(e) => upd({ key: e.target.value })} style={{ width: 110 }} />}
        <button className="link" onClick={() => set('env', f.env.filter((_, j) => j !== i))}>Remove</button>
        {show(`env.${i}`) && <span className="field-error">{show(`env.${i}`)}</span>}
      </div>
    )
  }
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'minmax(420px, 1fr) minmax(320px, 1fr)', gap: 16, alignItems: 'start' }}>
      <form className="card" style={{ display: 'flex', flexDirection: 'column', gap: 14 }} onSubmit={(e) => { e.preventDefault(); submit() }}>
        <div className="grid2">
          <Field label="Name" error={show('name')}>
            <input value={f.name} onChange={(e) => set('name', e.target.value)} name="name" className={show('name') ? 'invalid' : ''} />
          </Field>
          <Field label="Namespace" error={show('namespace')}>
            <NamespacePicker namespaces={nsChoices} value={f.namespace} onChange={(v) => set('namespace', v)} allowAll={false} />
          </Field>
          <Field label="Image" error={show('image')} hint="e.g. nginx:1.27 or registry.example.com/team/app:v3">
            <input value={f.image} onChange={(e) => set('image', e.target.value)} name="image" className={show('image') ? 'invalid' : ''} />
          </Field>
          <Field label="Replicas" error={show('replicas')}>
            <input type="number" min={0} value={f.replicas} onChange={(e) => set('replicas', Number(e.target.value))} name="replicas" />
          </Field>
        </div>
        <div>
          <div className="row" style={{ marginBottom: 6 }}>
            <strong style={{ marginRight: 'auto' }}>Ports</strong>
            <button type="button" onClick={() => set('ports', [...f.ports, { port: 80, protocol: 'TCP' }])}>Add port</button>
          </div>
          {f.ports.map((p, i) => (
            <div key={i} className="row" style={{ marginBottom: 6 }}>
              <input type="number" value={p.port} aria-label={`Port ${i + 1}`} style={{ width: 110 }}
                onChange={(e) => set('ports', f.ports.map((x, j) => (j === i ? { ...x, port: Number(e.target.value) } : x)))} />
              <select value={p.protocol} onChange={(e) => set('ports', f.ports.map((x, j) => (j === i ? { ...x, protocol: e.target.value as 'TCP' | 'UDP' } : x)))}>
                <option>TCP</option>
                <option>UDP</option>
              </select>
              <button type="button" className="link" onClick={() => set('ports', f.ports.filter((_, j) => j !== i))}>Remove</button>
              {show(`ports.${i}`) && <span className="field-error">{show(`ports.${i}`)}</span>}
            </div>
          ))}
          <Field label="Expose with a Service" error={show('serviceType')}>
            <select value={f.serviceType} onChange={(e) => set('serviceType', e.target.value as WorkloadForm['serviceType'])} name="serviceType">
              <option value="">No Service</option>
              <option value="ClusterIP">ClusterIP (inside the cluster)</option>
              <option value="NodePort">NodePort (on every node)</option>
              <option value="LoadBalancer">LoadBalancer (external address)</option>
            </select>
          </Field>
        </div>
        <div>
          <div className="row" style={{ marginBottom: 6 }}>
            <strong style={{ marginRight: 'auto' }}>Environment variables</strong>
            <button type="button" onClick={() => set('env', [...f.env, { name: '', source: 'value', value: '', key: '' }])}>Add variable</button>
          </div>
          {f.env.map(envRow)}
        </div>
        <div className="grid2">
          <Field label="Command" hint="Overrides the image's entrypoint; quotes group words.">
            <input value={f.command} onChange={(e) => set('command', e.target.value)} className="mono" />
          </Field>
          <Field label="Arguments">
            <input value={f.args} onChange={(e) => set('args', e.target.value)} className="mono" />
          </Field>
          <Field label="CPU request" error={show('requestsCpu')} hint="e.g. 250m"><input value={f.requestsCpu} onChange={(e) => set('requestsCpu', e.target.value)} /></Field>
          <Field label="Memory request" error={show('requestsMemory')} hint="e.g. 128Mi"><input value={f.requestsMemory} onChange={(e) => set('requestsMemory', e.target.value)} /></Field>
          <Field label="CPU limit" error={show('limitsCpu')}><input value={f.limitsCpu} onChange={(e) => set('limitsCpu', e.target.value)} /></Field>
          <Field label="Memory limit" error={show('limitsMemory')}><input value={f.limitsMemory} onChange={(e) => set('limitsMemory', e.target.value)} /></Field>
        </div>
        <ErrorBox error={err} />
        <div className="row end">
          <button className="primary" type="submit" disabled={busy || !types}>{busy ? 'Deploying…' : 'Deploy'}</button>
        </div>
      </form>
      <div className="card" style={{ position: 'sticky', top: 16 }}>
        <h2>What will be created</h2>
        <LazyEditor value={preview} readOnly testId="deploy-preview" />
      </div>
    </div>
  )
}
