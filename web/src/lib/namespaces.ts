// The namespaces the user can see in a cluster (the proxy narrows the
// list to a project member's namespaces).
import { useEffect, useState } from 'react'
import { ApiError } from './api'
import { base, kget } from './kube'

export function useNamespaces(cluster: string): { namespaces: string[] | null; error: unknown } {
  const [namespaces, setNs] = useState<string[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    let live = true
    kget<{ items: { metadata: { name: string } }[] }>(`${base(cluster)}/api/v1/namespaces`)
      .then((l) => live && setNs(l.items.map((i) => i.metadata.name).sort()))
      .catch((e) => {
        if (!live) return
        if (e instanceof ApiError && e.status === 403) setNs([])
        else setError(e)
      })
    return () => {
      live = false
    }
  }, [cluster])
  return { namespaces, error }
}
