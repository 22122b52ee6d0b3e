// The create-cluster wizard: provider, credential (picked or added, with a
// test), the provider's settings, review, then live progress.
import { useEffect, useState } from 'react'
import { api, get } from '../lib/api'
import { defaultEks, eksParams, INSTANCE_TYPES, LOG_TYPES, REGIONS, validateEks, VERSIONS, type EksForm } from '../lib/eks'
import { navigate } from '../lib/router'
import type { Cluster } from '../lib/types'
import { ErrorBox, Field } from '../components/ui'

type Provider = 'local' | 'eks'
type Step = 'provider' | 'credential' | 'settings' | 'review'

interface Credential {
  id: string
  name: string
  provider: string
  accessKeyID: string
  defaultRegion: string
}

export function CreateCluster() {
  const [step, setStep] = useState<Step>('provider')
  const [provider, setProvider] = useState<Provider>('local')
  const [name, setName] = useState('')
  const [nodes, setNodes] = useState(3)
  const [eks, setEks] = useState<EksForm>(defaultEks)
  const [touched, setTouched] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const eksErrors = validateEks(eks)
  const nameError = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name) ? '' : 'lower-case letters, digits and "-"'
  const params = provider === 'local' ? { provider: 'local', nodes } : eksParams(eks)
  const steps: Step[] = provider === 'local' ? ['provider', 'settings', 'review'] : ['provider', 'credential', 'settings', 'review']
  const next = () => {
    setTouched(true)
    if (step === 'credential' && eksErrors.credentialID) return
    if (step === 'settings' && (nameError || (provider === 'eks' && Object.keys(eksErrors).length))) return
    setTouched(false)
    setStep(steps[steps.indexOf(step) + 1])
  }
  const create = async () => {
    setBusy(true)
    setErr(null)
    try {
      const c = await api<Cluster>('POST', '/v1/clusters', { body: { name, provision: params } })
      navigate(`/clusters?progress=${encodeURIComponent(c.id)}`)
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  const set = <K extends keyof EksForm>(k: K, v: EksForm[K]) => setEks({ ...eks, [k]: v })
  const show = (k: string) => (touched ? eksErrors[k] : undefined)
  return (
    <div className="card" style={{ maxWidth: 860, display: 'flex', flexDirection: 'column', gap: 16 }}>
      <div className="row" style={{ gap: 18 }}>
        {steps.map((s, i) => (
          <span key={s} className={s === step ? '' : 'muted'} style={{ fontWeight: s === step ? 600 : 400 }}>
            {i + 1}. {{ provider: 'Provider', credential: 'Credential', settings: 'Settings', review: 'Review' }[s]}
          </span>
        ))}
      </div>
      {step === 'provider' && (
        <div className="grid2">
          {(
            [
              ['local', 'Local cluster', 'A real control plane on the Paddock host with simulated (kwok) nodes. For trying Paddock out and for tests.'],
              ['eks', 'Amazon EKS', 'A managed cluster in your AWS account, created from an access key: network, IAM roles, cluster and node group.'],
            ] as [Provider, string, string][]
          ).map(([p, title, text]) => (
            <button key={p} className={provider === p ? 'primary' : ''} style={{ flexDirection: 'column', alignItems: 'flex-start', whiteSpace: 'normal', textAlign: 'left', padding: 16 }}
              onClick={() => setProvider(p)} data-testid={`provider-${p}`}>
              <strong>{title}</strong>
              <span style={{ fontSize: 13, opacity: 0.85 }}>{text}</span>
            </button>
          ))}
        </div>
      )}
      {step === 'credential' && <CredentialStep value={eks.credentialID} error={show('credentialID')} onChange={(id, region) => setEks({ ...eks, credentialID: id, region: eks.region || region })} />}
      {step === 'settings' && (
        <>
          <Field label="Cluster name" error={touched && nameError ? nameError : undefined}>
            <input value={name} onChange={(e) => setName(e.target.value)} name="cluster-name" autoFocus />
          </Field>
          {provider === 'local' && (
            <Field label="Simulated nodes" hint="1 to 100 kwok nodes; you can scale later.">
              <input type="number" min={1} max={100} value={nodes} onChange={(e) => setNodes(Number(e.target.value))} name="nodes" />
            </Field>
          )}
          {provider === 'eks' && (
            <>
              <div className="grid2">
                <Field label="Region" hint="Empty: the credential's default region.">
                  <select value={eks.region} onChange={(e) => set('region', e.target.value)}>
                    <option value="">(credential default)</option>
                    {REGIONS.map((r) => <option key={r}>{r}</option>)}
                  </select>
                </Field>
                <Field label="Kubernetes version">
                  <select value={eks.kubernetesVersion} onChange={(e) => set('kubernetesVersion', e.target.value)}>
                    {VERSIONS.map((v) => <option key={v}>{v}</option>)}
                  </select>
                </Field>
              </div>
              <Field label="Network">
                <select value={eks.createVPC ? 'new' : 'existing'} onChange={(e) => set('createVPC', e.target.value === 'new')}>
                  <option value="new">Create a VPC with public and private subnets in two zones</option>
                  <option value="existing">Use existing subnets and security groups</option>
                </select>
              </Field>
              {eks.createVPC ? (
                <Field label="VPC CIDR" error={show('cidr')}><input value={eks.cidr} onChange={(e) => set('cidr', e.target.value)} /></Field>
              ) : (
                <div className="grid2">
                  <Field label="Subnet IDs" error={show('subnetIDs')} hint="Separated by spaces or commas."><input value={eks.subnetIDs} onChange={(e) => set('subnetIDs', e.target.value)} /></Field>
                  <Field label="Security group IDs" error={show('securityGroupIDs')}><input value={eks.securityGroupIDs} onChange={(e) => set('securityGroupIDs', e.target.value)} /></Field>
                </div>
              )}
              <div className="row">
                <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={eks.endpointPublicAccess} onChange={(e) => set('endpointPublicAccess', e.target.checked)} /> Public API endpoint</label>
                <label className="row" style={{ gap: 4 }}><input type="checkbox" checked={eks.endpointPrivateAccess} onChange={(e) => set('endpointPrivateAccess', e.target.checked)} /> Private API endpoint</label>
                {show('endpoint') && <span className="field-error">{show('endpoint')}</span>}
              </div>
              <div className="grid2">
                <Field label="Cluster IAM role ARN" error={show('clusterRoleARN')} hint="Empty: Paddock creates one."><input value={eks.clusterRoleARN} onChange={(e) => set('clusterRoleARN', e.target.value)} /></Field>
                <Field label="Node IAM role ARN" error={show('nodeRoleARN')} hint="Empty: Paddock creates one."><input value={eks.nodeRoleARN} onChange={(e) => set('nodeRoleARN', e.target.value)} /></Field>
              </div>
              <Field label="Control plane logs">
                <div className="row">
                  {LOG_TYPES.map((l) => (
                    <label key={l} className="row" style={{ gap: 4 }}>
                      <input type="checkbox" checked={eks.logging.includes(l)} onChange={(e) => set('logging', e.target.checked ? [...eks.logging, l] : eks.logging.filter((x) => x !== l))} /> {l}
                    </label>
                  ))}
                </div>
              </Field>
              <h2 style={{ margin: '8px 0 0' }}>Node group</h2>
              <div className="grid2">
                <Field label="Name" error={show('groupName')}><input value={eks.groupName} onChange={(e) => set('groupName', e.target.value)} /></Field>
                <Field label="Instance type">
                  <select value={eks.instanceType} onChange={(e) => set('instanceType', e.target.value)}>
                    {INSTANCE_TYPES.map((t) => <option key={t}>{t}</option>)}
                  </select>
                </Field>
                <Field label="Disk (GiB)" error={show('diskSize')}><input type="number" value={eks.diskSize} onChange={(e) => set('diskSize', Number(e.target.value))} /></Field>
                <Field label="Nodes: min / desired / max" error={show('sizes')}>
                  <div className="row">
                    <input type="number" value={eks.minSize} style={{ width: 70 }} onChange={(e) => set('minSize', Number(e.target.value))} aria-label="min" />
                    <input type="number" value={eks.desiredSize} style={{ width: 70 }} onChange={(e) => set('desiredSize', Number(e.target.value))} aria-label="desired" />
                    <input type="number" value={eks.maxSize} style={{ width: 70 }} onChange={(e) => set('maxSize', Number(e.target.value))} aria-label="max" />
                  </div>
                </Field>
              </div>
            </>
          )}
        </>
      )}
      {step === 'review' && (
        <>
          <div>Paddock will create <strong>{name}</strong> with these settings, then connect it through its agent:</div>
          <pre className="codebox" data-testid="review">{JSON.stringify(params, null, 2)}</pre>
        </>
      )}
      <ErrorBox error={err} />
      <div className="row end">
        {step !== 'provider' && <button onClick={() => setStep(steps[steps.indexOf(step) - 1])}>Back</button>}
        {step !== 'review' ? (
          <button className="primary" onClick={next}>Next</button>
        ) : (
          <button className="primary" onClick={create} disabled={busy}>{busy ? 'Creating…' : 'Create cluster'}</button>
        )}
      </div>
    </div>
  )
}

function CredentialStep(props: { value: string; error?: string; onChange: (id: string, region: string) => void }) {
  const [creds, setCreds] = useState<Credential[] | null>(null)
  const [adding, setAdding] = useState(false)
  const [form, setForm] = useState({ name: '', accessKeyID: '', secretAccessKey: '', sessionToken: '', defaultRegion: 'us-east-1' })
  const [test, setTest] = useState<{ ok: boolean; account?: string; arn?: string; error?: string } | null>(null)
  const [err, setErr] = useState<unknown>(null)
  const load = () => get<{ items: Credential[] }>('/v1/cloudcredentials').then((r) => setCreds(r.items)).catch(setErr)
  useEffect(() => {
    load()
  }, [])
  const runTest = async (id: string) => {
    setTest(null)
    try {
      setTest(await api('POST', `/v1/cloudcredentials/${encodeURIComponent(id)}/test`))
    } catch (e) {
      setErr(e)
    }
  }
  return (
    <>
      {creds && creds.length > 0 && !adding && (
        <Field label="AWS credential" error={props.error}>
          <select value={props.value} aria-label="Credential" onChange={(e) => {
            const c = creds.find((x) => x.id === e.target.value)
            setTest(null)
            props.onChange(e.target.value, c?.defaultRegion ?? '')
          }}>
            <option value="">Choose…</option>
            {creds.map((c) => <option key={c.id} value={c.id}>{c.name} ({c.accessKeyID}, {c.defaultRegion})</option>)}
          </select>
        </Field>
      )}
      {creds && creds.length === 0 && !adding && <div className="muted">You have no AWS credential yet.</div>}
      {!adding && (
        <div className="row">
          {props.value && <button onClick={() => runTest(props.value)}>Test credential</button>}
          <button onClick={() => setAdding(true)}>Add a credential</button>
        </div>
      )}
      {adding && (
        <div className="card" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
          <div className="muted small">The secret is encrypted at rest and never shown again. Only you (and administrators) can use it.</div>
          <div className="grid2">
            <Field label="Name"><input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} name="cred-name" /></Field>
            <Field label="Default region">
              <select value={form.defaultRegion} onChange={(e) => setForm({ ...form, defaultRegion: e.target.value })}>
                {REGIONS.map((r) => <option key={r}>{r}</option>)}
              </select>
            </Field>
            <Field label="Access key ID"><input value={form.accessKeyID} onChange={(e) => setForm({ ...form, accessKeyID: e.target.value })} name="access-key" autoComplete="off" /></Field>
            <Field label="Secret access key"><input type="password" value={form.secretAccessKey} onChange={(e) => setForm({ ...form, secretAccessKey: e.target.value })} name="secret-key" autoComplete="new-password" /></Field>
          </div>
          <Field label="Session token" hint="Only for temporary credentials."><input type="password" value={form.sessionToken} onChange={(e) => setForm({ ...form, sessionToken: e.target.value })} autoComplete="off" /></Field>
          <div className="row end">
            <button onClick={() => setAdding(false)}>Cancel</button>
            <button className="primary" onClick={async () => {
              setErr(null)
              try {
                const c = await api<Credential>('POST', '/v1/cloudcredentials', { body: { provider: 'aws', ...form, sessionToken: form.sessionToken || undefined } })
                await load()
                props.onChange(c.id, c.defaultRegion)
                setAdding(false)
                await runTest(c.id)
              } catch (e) {
                setErr(e)
              }
            }}>Save and test</button>
          </div>
        </div>
      )}
      {test && (
        <div className={`alert ${test.ok ? 'success' : 'error'}`} data-testid="credential-test">
          {test.ok ? `AWS accepted the key: account ${test.account}, ${test.arn}` : `AWS refused the key: ${test.error}`}
        </div>
      )}
      <ErrorBox error={err} />
    </>
  )
}
