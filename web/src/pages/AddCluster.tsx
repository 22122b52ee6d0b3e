// Adding a cluster: an agent import (shows the kubectl command and waits
// live for the agent), a kubeconfig upload (direct), or a new local cluster.
import { useEffect, useState } from 'react'
import { api, get } from '../lib/api'
import { navigate } from '../lib/router'
import type { Cluster, Registration } from '../lib/types'
import { CopyButton, ErrorBox, Field, Modal, StateBadge } from '../components/ui'

type Mode = 'agent' | 'kubeconfig'

export function AddCluster({ onClose }: { onClose: () => void }) {
  const [mode, setMode] = useState<Mode>('agent')
  const [name, setName] = useState('')
  const [kubeconfig, setKubeconfig] = useState('')
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<(Cluster & { registration?: Registration }) | null>(null)

  if (created?.registration) return <WaitForAgent cluster={created} onClose={onClose} />

  const submit = async () => {
    setBusy(true)
    setErr(null)
    try {
      const body: Record<string, unknown> = { name }
      if (mode === 'kubeconfig') body.kubeconfig = kubeconfig
      const c = await api<Cluster & { registration?: Registration }>('POST', '/v1/clusters', { body })
      if (mode === 'agent') setCreated(c)
      else {
        onClose()
        navigate(`/c/${encodeURIComponent(c.id)}`)
      }
    } catch (e) {
      setErr(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal
      title="Add a cluster"
      onClose={onClose}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" disabled={busy || !name || (mode === 'kubeconfig' && !kubeconfig)} onClick={submit}>
            {mode === 'agent' ? 'Continue' : 'Register'}
          </button>
        </>
      }
    >
      <div className="tabs" role="tablist">
        {(
          [
            ['agent', 'Import with an agent'],
            ['kubeconfig', 'Upload a kubeconfig'],
          ] as [Mode, string][]
        ).map(([m, t]) => (
          <button key={m} role="tab" className={mode === m ? 'active' : ''} onClick={() => setMode(m)}>
            {t}
          </button>
        ))}
      </div>
      <Field label="Name" hint="How people will find this cluster in Paddock.">
        <input value={name} onChange={(e) => setName(e.target.value)} autoFocus name="cluster-name" />
      </Field>
      {mode === 'agent' && (
        <div className="muted small">
          The agent runs inside the cluster and dials out to Paddock, so clusters behind NAT or firewalls work. You will get a
          single <code>kubectl apply</code> command to run there.
        </div>
      )}
      {mode === 'kubeconfig' && (
        <Field label="Kubeconfig" hint="Paddock reaches the API server directly with this credential; it is encrypted at rest.">
          <input
            type="file"
            accept=".yaml,.yml,.conf,.kubeconfig,text/*"
            onChange={async (e) => {
              const f = e.target.files?.[0]
              if (f) setKubeconfig(await f.text())
            }}
          />
          <textarea rows={8} className="mono" value={kubeconfig} onChange={(e) => setKubeconfig(e.target.value)} placeholder="or paste it here" />
        </Field>
      )}
      <ErrorBox error={err} />
    </Modal>
  )
}

function WaitForAgent({ cluster, onClose }: { cluster: Cluster & { registration?: Registration }; onClose: () => void }) {
  const [state, setState] = useState(cluster.state)
  useEffect(() => {
    let live = true
    const tick = async () => {
      try {
        const c = await get<Cluster>(`/v1/clusters/${encodeURIComponent(cluster.id)}`)
        if (!live) return
        setState(c.state)
        if (c.state === 'active') return
      } catch {
        /* keep trying */
      }
      if (live) setTimeout(tick, 2000)
    }
    tick()
    return () => {
      live = false
    }
  }, [cluster.id])
  const reg = cluster.registration!
  return (
    <Modal
      title={`Connect ${cluster.name}`}
      onClose={onClose}
      wide
      footer={
        state === 'active' ? (
          <button className="primary" onClick={() => { onClose(); navigate(`/c/${encodeURIComponent(cluster.id)}`) }}>
            Open cluster
          </button>
        ) : (
          <button onClick={onClose}>Close</button>
        )
      }
    >
      <div>Run this against the cluster you are importing (it installs the Paddock agent):</div>
      <div className="codebox" data-testid="import-command">{reg.command}</div>
      <div className="row">
        <CopyButton text={reg.command} label="Copy command" />
        <CopyButton text={`kubectl apply -f ${reg.manifestURL}`} label="Copy kubectl apply" />
      </div>
      <div className="row">
        Status: <StateBadge state={state} />
        {state !== 'active' && <span className="muted small">waiting for the agent to connect…</span>}
      </div>
      <div className="muted small">The link works once: after the agent registers it is exchanged for the cluster's own credential.</div>
    </Modal>
  )
}
