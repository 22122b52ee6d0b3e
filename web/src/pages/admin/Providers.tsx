// Placeholder: being written.
export function Providers() {
  return <div className="card empty">Coming soon.</div>
}
