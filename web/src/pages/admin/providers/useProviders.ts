// Every configured provider with its admin view. The public list
// (GET /v1/auth/providers) names the enabled ones; a disabled provider is
// not in it, so the type names (the usual provider names) and the names
// opened in this page are read too (GET /v1/auth/providers/{name};
// unknown names answer 404 and are skipped).
import { useCallback, useEffect, useState } from 'react'
import { ApiError, get } from '../../../lib/api'
import type { ProviderView } from '../../../lib/providers'
import type { ProviderSummary } from '../../../lib/types'

const USUAL = ['ldap', 'oidc', 'saml', 'github']

/** The local provider's state: a stored row, or the default (enabled). */
export interface LocalState {
  enabled: boolean
  view: ProviderView | null
}

export function useProviders(extra: string[]) {
  const [providers, setProviders] = useState<ProviderView[] | null>(null)
  const [local, setLocal] = useState<LocalState>({ enabled: true, view: null })
  const [error, setError] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  const key = extra.join(',')
  useEffect(() => {
    const c = new AbortController()
    const load = async () => {
      const pub = await get<{ items: ProviderSummary[] }>('/v1/auth/providers', c.signal)
      const names = [...new Set(['local', ...pub.items.map((p) => p.name), ...USUAL, ...extra])]
      const views = await Promise.all(
        names.map((n) =>
          get<ProviderView>(`/v1/auth/providers/${encodeURIComponent(n)}`, c.signal).catch((e) => {
            if (e instanceof ApiError && e.status === 404) return null
            throw e
          }),
        ),
      )
      const found = views.filter((v): v is ProviderView => v !== null)
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
