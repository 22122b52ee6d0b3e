// Every configured provider with its admin view, enabled or not
// (GET /v1/auth/providerconfigs).
import { useCallback, useEffect, useState } from 'react'
import { get } from '../../../lib/api'
import type { ProviderView } from '../../../lib/providers'

/** The local provider's state: a stored row, or the default (enabled). */
export interface LocalState {
  enabled: boolean
  view: ProviderView | null
}

export function useProviders(extra: string[]) {
  // extra: names opened in the page; a change reloads the list.
  const [providers, setProviders] = useState<ProviderView[] | null>(null)
  const [local, setLocal] = useState<LocalState>({ enabled: true, view: null })
  const [error, setError] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  const key = extra.join(',')
  useEffect(() => {
    const c = new AbortController()
    const load = async () => {
      const found = (await get<{ items: ProviderView[] }>('/v1/auth/providerconfigs', c.signal)).items
      const lv = found.find((v) => v.type === 'local') ?? null
      setLocal({ enabled: lv ? lv.enabled : true, view: lv })
      setProviders(found.filter((v) => v.type !== 'local').sort((a, b) => a.name.localeCompare(b.name)))
      setError(null)
    }
    load().catch((e) => !c.signal.aborted && setError(e))
    return () => c.abort()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick, key])
  return { providers, local, error, reload: useCallback(() => setTick((t) => t + 1), []) }
}
