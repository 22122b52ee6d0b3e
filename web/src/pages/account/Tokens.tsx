// Placeholder: being written.
export function Tokens() {
  return <div className="card empty">Coming soon.</div>
}
