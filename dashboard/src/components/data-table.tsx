/** A table with a caption and column headers; rows render their cells as text (React escapes), never HTML. */
import type { ReactNode } from 'react'
import { Button } from './form.tsx'

export interface Column<T> {
  header: string
  cell(row: T): ReactNode
  /** Right-align numbers. */
  numeric?: boolean
}

export function DataTable<T>({ caption, columns, rows, rowKey, empty }: { caption: string; columns: readonly Column<T>[]; rows: readonly T[]; rowKey(row: T): string; empty?: ReactNode }) {
  if (rows.length === 0) return <div className="empty">{empty ?? <p>Nothing here yet.</p>}</div>
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.numeric ? 'numeric' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} className={c.numeric ? 'numeric' : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** "Load more" for cursor-paged lists (useInfiniteQuery's fetchNextPage). */
export function LoadMore({ hasMore, loading, onMore, label = 'Load more' }: { hasMore: boolean; loading: boolean; onMore(): void; label?: string }) {
  if (!hasMore) return null
  return (
    <div className="load-more">
      <Button variant="secondary" busy={loading} onClick={onMore}>
        {label}
      </Button>
    </div>
  )
}
