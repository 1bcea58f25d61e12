/** Loading, empty and failed states: each says what is happening and what to do next. */
import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { ApiError } from '../api.ts'

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  const failure = error instanceof ApiError ? error : null
  const message = failure?.message ?? (error instanceof Error ? error.message : String(error))
  let advice = ''
  if (failure?.status === 403) advice = 'Your role does not allow this. Ask an admin.'
  else if (failure?.status === 0) advice = 'Check that the engine is running.'
  else if (failure && failure.status >= 500) advice = 'The engine failed: see its log, then try again.'
  return (
    <div className="error-note" role="alert">
      <strong>Error{failure?.code ? ` (${failure.code})` : ''}:</strong> {message}
      {failure?.field && <span> Field: <code>{failure.field}</code>.</span>} {advice}
      {retry && (
        <button type="button" className="button secondary small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p>
        <strong>{title}</strong>
      </p>
      {children && <div>{children}</div>}
    </div>
  )
}

export function Loading({ what = 'data' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  )
}

/** Renders a query's data, or its loading or error state (with a retry). */
export function QueryView<T>({ query, what, children }: { query: UseQueryResult<T>; what?: string; children(data: T): ReactNode }) {
  if (query.isError) return <ErrorNote error={query.error} retry={() => void query.refetch()} />
  if (query.data === undefined) return <Loading what={what} />
  return <>{children(query.data)}</>
}
