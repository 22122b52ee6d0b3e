// Placeholder: being written.
export function Members(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
