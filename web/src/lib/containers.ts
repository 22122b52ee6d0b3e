// A pod's container names (with its init containers when asked), for the
// logs and terminal pickers.
import { useEffect, useState } from 'react'
import { kget, type KObject } from './kube'

type Spec = { containers: { name: string }[]; initContainers?: { name: string }[] }

export function usePodContainers(podPath: string, withInit: boolean) {
  const [containers, setContainers] = useState<string[]>([])
  const [container, setContainer] = useState('')
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    kget<KObject>(podPath)
      .then((p) => {
        const spec = p.spec as Spec
        const names = [...spec.containers.map((c) => c.name), ...(withInit ? (spec.initContainers ?? []).map((c) => c.name) : [])]
        setContainers(names)
        setContainer((c) => c || names[0])
      })
      .catch(setError)
  }, [podPath, withInit])
  return { containers, container, setContainer, error }
}
