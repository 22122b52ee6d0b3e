// Placeholder: being written.
export function AccessData(_props: { cluster?: string }) {
  return <div className="card empty">Coming soon.</div>
}
