// Placeholder: being written.
export function Users() {
  return <div className="card empty">Coming soon.</div>
}
