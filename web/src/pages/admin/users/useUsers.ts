// The user list, searched on the server (?q=) and read a page at a time
// (?limit=&after=), so thousands of users cost one page until asked for more.
import { useEffect, useRef, useState } from 'react'
import { get } from '../../../lib/api'
import type { UserRecord } from '../../../lib/users'

const PAGE = 200

export interface UserList {
  users: UserRecord[] | null
  next: string
  error: unknown
  loadingMore: boolean
  loadMore: () => void
  reload: () => void
}

export function useUsers(query: string): UserList {
  const [users, setUsers] = useState<UserRecord[] | null>(null)
  const [next, setNext] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [loadingMore, setLoadingMore] = useState(false)
  const [tick, setTick] = useState(0)
  const ctl = useRef<AbortController | null>(null)
  const path = (after: string) =>
    `/v1/users?limit=${PAGE}${query.trim() ? '&q=' + encodeURIComponent(query.trim()) : ''}${after ? '&after=' + encodeURIComponent(after) : ''}`

  useEffect(() => {
    const c = new AbortController()
    ctl.current = c
    // Typing waits a moment so each keystroke is not a request.
    const timer = window.setTimeout(async () => {
      try {
        const page = await get<{ items: UserRecord[]; next?: string }>(path(''), c.signal)
        setUsers(page.items)
        setNext(page.next ?? '')
        setError(null)
      } catch (e) {
        if (!c.signal.aborted) setError(e)
      }
    }, tick === 0 && !query ? 0 : 250)
    return () => {
      c.abort()
      clearTimeout(timer)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, tick])

  const loadMore = async () => {
    if (!next || loadingMore) return
    setLoadingMore(true)
    const signal = ctl.current?.signal
    try {
      const page = await get<{ items: UserRecord[]; next?: string }>(path(next), signal)
      setUsers((u) => [...(u ?? []), ...page.items])
      setNext(page.next ?? '')
    } catch (e) {
      if (!signal?.aborted) setError(e)
    } finally {
      setLoadingMore(false)
    }
  }
  return { users, next, error, loadingMore, loadMore, reload: () => setTick((t) => t + 1) }
}
