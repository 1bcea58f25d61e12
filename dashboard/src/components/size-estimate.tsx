/**
 * The live size of an unsaved rule: POST /v1/segments/preview once the rule has been still for a moment,
 * the request of a rule since changed cancelled (TanStack Query aborts the signal of a query nobody
 * watches any more), the last answer kept on screen meanwhile, and a 400 shown with the field it names.
 */
import { keepPreviousData, type UseQueryResult, useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { ApiError } from '../api.ts'
import { formatInteger, formatPercent } from '../format.ts'
import { type PersonRef, type SegmentPreview, segmentApi } from '../segment-api.ts'
import { ErrorNote } from './states.tsx'

/** A person by their strongest identifier (a user id, an email, ...), linked to their page. */
export function PersonLink({ person }: { person: PersonRef }) {
  return (
    <Link to={`/people/${encodeURIComponent(person.personId)}`} className="wrap-anywhere">
      {person.identifier?.value ?? person.personId}
    </Link>
  )
}

/** The value once it stopped changing for `ms`. */
export function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

export function useSizeEstimate(definition: unknown, enabled = true): UseQueryResult<SegmentPreview> & { stale: boolean } {
  const text = JSON.stringify(definition)
  const settled = useSettled(text, 400)
  const result = useQuery({
    queryKey: ['segments', 'preview', settled],
    queryFn: ({ signal }) => segmentApi.preview(JSON.parse(settled), signal),
    placeholderData: keepPreviousData,
    retry: false,
    enabled,
    staleTime: 10_000,
  })
  return Object.assign(result, { stale: settled !== text || result.isPlaceholderData || result.isFetching })
}

export function SizeEstimate({ estimate }: { estimate: ReturnType<typeof useSizeEstimate> }) {
  const data = estimate.data
  return (
    <section className="size-estimate card" aria-label="Size estimate" aria-busy={estimate.stale || undefined}>
      <h2>Size estimate</h2>
      {estimate.isError ? (
        <>
          <ErrorNote error={estimate.error} />
          {estimate.error instanceof ApiError && estimate.error.status === 400 && <p className="hint">The size shows again once the rule is valid.</p>}
        </>
      ) : data === undefined ? (
        <p role="status">Estimating…</p>
      ) : (
        <>
          <p className="estimate" role="status" aria-live="polite">
            <strong>{formatInteger(data.size)}</strong> of {formatInteger(data.population)} people ({formatPercent(data.population === 0 ? 0 : data.size / data.population)})
            {estimate.stale ? <span className="muted"> · updating…</span> : <span className="muted"> · computed in {formatInteger(data.ms)} ms</span>}
          </p>
          {data.sample.length > 0 && (
            <>
              <p className="muted">Some of them:</p>
              <ul className="plain-list sample">
                {data.sample.map((p) => (
                  <li key={p.personId}>
                    <PersonLink person={p} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  )
}
