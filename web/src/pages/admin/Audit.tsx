// Placeholder: being written.
export function Audit(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
