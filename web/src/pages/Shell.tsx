// The browser kubectl shell: kubectl as the signed-in user, sandboxed on
// the server, with a credential that ends with the session.
import { paddockShell } from '../lib/termproto'
import { LazyTerminal } from '../components/lazy'

export function Shell({ cluster }: { cluster: string }) {
  return (
    <>
      <div className="alert info">
        Run <code>kubectl</code> here as yourself. Each session gets its own short-lived credential and scratch directory, and is
        recorded for audit. Type <code>help</code> for what works.
      </div>
      <LazyTerminal path={`/v1/clusters/${encodeURIComponent(cluster)}/shell`} codec={paddockShell} testId="shell-terminal" />
    </>
  )
}
