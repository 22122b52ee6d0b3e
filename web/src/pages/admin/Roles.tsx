// Placeholder: being written.
export function Roles(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
