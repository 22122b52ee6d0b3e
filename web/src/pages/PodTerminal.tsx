// A terminal in a pod's container through the proxy's WebSocket exec.
import { useState } from 'react'
import { base } from '../lib/kube'
import { usePodContainers } from '../lib/containers'
import { k8sExec } from '../lib/termproto'
import { LazyTerminal } from '../components/lazy'
import { ErrorBox } from '../components/ui'

export function PodTerminal({ cluster, ns, pod }: { cluster: string; ns: string; pod: string }) {
  const podPath = `${base(cluster)}/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`
  const { containers, container, setContainer, error: err } = usePodContainers(podPath, false)
  const [command, setCommand] = useState('sh')
  const qs = new URLSearchParams({ container, stdin: 'true', stdout: 'true', stderr: 'false', tty: 'true' })
  qs.append('command', command)
  return (
    <>
      <div className="card row">
        <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 6 }}>
          Container
          <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container">
            {containers.map((c) => <option key={c}>{c}</option>)}
          </select>
        </label>
        <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 6 }}>
          Command
          <select value={command} onChange={(e) => setCommand(e.target.value)} aria-label="Command">
            <option>sh</option>
            <option>bash</option>
            <option>ash</option>
          </select>
        </label>
        <span className="muted small">Sessions are recorded for audit.</span>
      </div>
      <ErrorBox error={err} />
      {container && <LazyTerminal key={container + command} path={`${podPath}/exec?${qs}`} codec={k8sExec} testId="pod-terminal" />}
    </>
  )
}
