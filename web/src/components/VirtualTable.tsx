// A virtualised table: only the visible rows are in the DOM, so 2,000
// clusters or 5,000 pods render as fast as 20.
import { useRef, type ReactNode } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'

export interface Column<T> {
  title: string
  width: string // CSS grid track, e.g. "2fr" or "120px"
  render: (row: T) => ReactNode
}

export function VirtualTable<T>(props: {
  rows: T[]
  columns: Column<T>[]
  rowKey: (row: T) => string
  height?: string
  empty?: ReactNode
  testId?: string
}) {
  const { rows, columns, rowKey } = props
  const ref = useRef<HTMLDivElement>(null)
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => ref.current, estimateSize: () => 40, overscan: 12 })
  const template = columns.map((c) => c.width).join(' ')
  return (
    <div className="vtable" data-testid={props.testId} role="table">
      <div className="thead" style={{ gridTemplateColumns: template }} role="row">
        {columns.map((c) => (
          <div className="td" key={c.title} role="columnheader">
            {c.title}
          </div>
        ))}
      </div>
      <div className="scroller" ref={ref} style={{ maxHeight: props.height ?? 'calc(100vh - 260px)' }}>
        {rows.length === 0 ? (
          <div className="empty">{props.empty ?? 'Nothing here.'}</div>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((it) => {
              const row = rows[it.index]
              return (
                <div
                  key={rowKey(row)}
                  className="tr"
                  role="row"
                  data-row={rowKey(row)}
                  style={{ gridTemplateColumns: template, position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${it.start}px)` }}
                >
                  {columns.map((c) => (
                    <div className="td" key={c.title} role="cell">
                      {c.render(row)}
                    </div>
                  ))}
                </div>
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}
