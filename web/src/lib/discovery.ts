// Discovery per cluster, fetched once per page load.
import { useEffect, useState } from 'react'
import { discover, type ResourceType } from './kube'

const cache = new Map<string, Promise<ResourceType[]>>()

export function discovery(cluster: string): Promise<ResourceType[]> {
  let p = cache.get(cluster)
  if (!p) {
    p = discover(cluster)
    p.catch(() => cache.delete(cluster))
    cache.set(cluster, p)
  }
  return p
}

export function useDiscovery(cluster: string): { types: ResourceType[] | null; error: unknown } {
  const [types, setTypes] = useState<ResourceType[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    let live = true
    discovery(cluster).then(
      (t) => live && setTypes(t),
      (e) => live && setError(e),
    )
    return () => {
      live = false
    }
  }, [cluster])
  return { types, error }
}
