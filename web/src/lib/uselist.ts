// A live list of one resource type as server-side Tables (kubectl's own
// columns, for any type including CRDs), kept current by watches. When the
// user may not list across namespaces (a project member), "all namespaces"
// becomes one list and watch per namespace they can see.
import { useEffect, useRef, useState } from 'react'
import { ApiError, request } from './api'
import { TABLE_ACCEPT, resourcePath, watch, type ResourceType, type Table, type TableColumn, type TableRow } from './kube'

export interface ListState {
  columns: TableColumn[]
  rows: TableRow[]
  error: unknown
  loading: boolean
}

/** Rows per list request: the first page renders while the rest loads. */
const PAGE = 500

const key = (r: TableRow) => r.object.metadata.uid ?? `${r.object.metadata.namespace}/${r.object.metadata.name}`

export function useList(cluster: string, t: ResourceType | undefined, ns: string, namespaces: string[] | null): ListState {
  const [state, setState] = useState<ListState>({ columns: [], rows: [], error: null, loading: true })
  // The namespace list only matters when a cluster-wide list is refused; it
  // is read then (waiting for it), so its arrival does not restart the list.
  const nsRef = useRef<{ list: string[] | null; waiters: ((l: string[]) => void)[] }>({ list: null, waiters: [] })
  useEffect(() => {
    nsRef.current.list = namespaces
    if (namespaces) for (const w of nsRef.current.waiters.splice(0)) w(namespaces)
  }, [namespaces])
  const typeKey = t ? `${t.group}/${t.version}/${t.resource}/${t.namespaced}` : ''
  useEffect(() => {
    if (!t) return
    const ctl = new AbortController()
    const rows = new Map<string, TableRow>()
    let columns: TableColumn[] = []
    let flush = 0
    let complete = false
    const publish = (listed = complete) => {
      complete = listed
      if (flush) return
      flush = window.setTimeout(() => {
        flush = 0
        if (!ctl.signal.aborted) setState({ columns, rows: [...rows.values()], error: null, loading: !complete })
      }, 50)
    }
    const fail = (e: unknown) => !ctl.signal.aborted && setState((s) => ({ ...s, error: e, loading: false }))

    const run = async (path: string, owned: (r: TableRow) => boolean) => {
      while (!ctl.signal.aborted) {
        // Pages of PAGE rows, shown as they arrive; every page comes from
        // the same snapshot, whose resourceVersion the watch starts from.
        const seen = new Set<string>()
        let cont = ''
        let table: Table
        do {
          const sep = path.includes('?') ? '&' : '?'
          const res = await request('GET', `${path}${sep}limit=${PAGE}${cont ? '&continue=' + encodeURIComponent(cont) : ''}`, {
            accept: TABLE_ACCEPT,
            signal: ctl.signal,
          })
          table = (await res.json()) as Table
          columns = table.columnDefinitions?.length ? table.columnDefinitions : columns
          for (const r of table.rows ?? []) {
            rows.set(key(r), r)
            seen.add(key(r))
          }
          cont = table.metadata.continue ?? ''
          publish(!cont)
        } while (cont)
        for (const [k, r] of rows) if (owned(r) && !seen.has(k)) rows.delete(k)
        publish()
        let rv = table.metadata.resourceVersion ?? ''
        try {
          await watch<Table | { kind: 'Status' }>(
            path,
            rv,
            (ev) => {
              const o = ev.object as Table
              if (ev.type === 'ERROR') throw new ApiError(410, 'Expired', 'watch expired')
              if (ev.type === 'BOOKMARK') return
              for (const r of o.rows ?? []) {
                if (ev.type === 'DELETED') rows.delete(key(r))
                else rows.set(key(r), r)
                rv = r.object.metadata.resourceVersion ?? rv
              }
              publish()
            },
            ctl.signal,
            TABLE_ACCEPT,
          )
        } catch (e) {
          if (ctl.signal.aborted) return
          if (!(e instanceof ApiError && e.status === 410)) await new Promise((r) => setTimeout(r, 2000))
        }
        // The server closed the watch (timeout) or it expired: relist.
      }
    }

    const start = async () => {
      if (!t.namespaced || ns) {
        await run(resourcePath(cluster, t, ns || undefined), () => true)
        return
      }
      try {
        await run(resourcePath(cluster, t), () => true)
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 403)) throw e
        const namespaces = nsRef.current.list ?? (await new Promise<string[]>((r) => nsRef.current.waiters.push(r)))
        if (namespaces.length === 0) {
          setState({ columns: [], rows: [], error: null, loading: false })
          return
        }
        // Not allowed cluster-wide: one list per visible namespace.
        await Promise.all(
          namespaces.map((n) =>
            run(resourcePath(cluster, t, n), (r) => r.object.metadata.namespace === n).catch((err) => {
              if (!(err instanceof ApiError && err.status === 403)) throw err
            }),
          ),
        )
      }
    }
    setState({ columns: [], rows: [], error: null, loading: true })
    start().catch(fail)
    return () => {
      ctl.abort()
      clearTimeout(flush)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cluster, typeKey, ns])
  return state
}
