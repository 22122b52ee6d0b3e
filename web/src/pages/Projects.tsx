// Placeholder: being written.
export function Projects(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
