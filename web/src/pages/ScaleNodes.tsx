// Scaling the node pool of a cluster Paddock created (POST /v1/clusters/{id}/scale):
// local clusters change their simulated nodes, EKS its node group's desired size.
import { useState } from 'react'
import { api } from '../lib/api'
import type { Cluster } from '../lib/types'
import { ErrorBox, Field, Modal } from '../components/ui'

export function ScaleNodes({ cluster, onClose }: { cluster: Cluster; onClose: () => void }) {
  const [n, setN] = useState(cluster.nodeCount || 1)
  const [err, setErr] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  return (
    <Modal title={`Scale ${cluster.name}`} onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button>
        <button className="primary" disabled={busy || !(n >= 1)} onClick={async () => {
          setBusy(true)
          setErr(null)
          try {
            await api('POST', `/v1/clusters/${encodeURIComponent(cluster.id)}/scale`, { body: { nodes: n } })
            onClose()
          } catch (e) {
            setErr(e)
          } finally {
            setBusy(false)
          }
        }}>Scale to {n}</button></>}>
      <Field label="Nodes" hint={cluster.provider === 'eks' ? "The first node group's desired size (min and max widen if needed)." : 'Simulated kwok nodes.'}>
        <input type="number" min={1} max={100} value={n} onChange={(e) => setN(Number(e.target.value))} aria-label="Nodes" autoFocus />
      </Field>
      <ErrorBox error={err} />
    </Modal>
  )
}
