// Placeholder: being written.
export function Settings(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
