/** The person page's segments (with when they entered each) and computed trait values. */
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import type { ProfileView } from '../../../src/server/api-types.ts'
import { formatTime } from '../format.ts'
import { type PersonSegments as Added, segmentApi } from '../segment-api.ts'
import { DataTable } from './data-table.tsx'
import { Section } from './page.tsx'
import { Empty } from './states.tsx'

/** A trait value as text: lists joined, nothing as a dash. */
export function traitText(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')
  return typeof value === 'string' ? value : JSON.stringify(value)
}

export function PersonSegments({ view }: { view: ProfileView & Partial<Added> }) {
  // The profile names traits by key; the list gives each its name and page.
  const traits = useQuery({ queryKey: ['traits', 'list'], queryFn: segmentApi.traits })
  const byKey = new Map((traits.data?.data ?? []).map((t) => [t.key, t]))
  const values = Object.entries(view.computedTraits ?? {}).map(([key, value]) => ({ key, value, trait: byKey.get(key) }))
  return (
    <div className="grid-2">
      <Section title="Segments">
        <DataTable
          caption="Segments this person is in"
          rows={view.segments ?? []}
          rowKey={(s) => s.id}
          columns={[
            {
              header: 'Segment',
              cell: (s) => (
                <Link to={`/segments/${encodeURIComponent(s.id)}`} className="wrap-anywhere">
                  {s.name}
                </Link>
              ),
            },
            { header: 'Key', cell: (s) => <code className="wrap-anywhere">{s.key}</code> },
            { header: 'Since', cell: (s) => <time dateTime={s.since}>{formatTime(s.since)}</time> },
          ]}
          empty={<Empty title="In no segment.">This person matches no enabled segment's rule now.</Empty>}
        />
      </Section>
      <Section title="Computed traits">
        <DataTable
          caption="Computed traits of this person"
          rows={values}
          rowKey={(t) => t.key}
          columns={[
            {
              header: 'Trait',
              cell: (t) =>
                t.trait ? (
                  <Link to={`/traits/${encodeURIComponent(t.trait.id)}`} className="wrap-anywhere">
                    {t.trait.name}
                  </Link>
                ) : (
                  <span className="wrap-anywhere">{t.key}</span>
                ),
            },
            { header: 'Key', cell: (t) => <code className="wrap-anywhere">{t.key}</code> },
            { header: 'Value', cell: (t) => <span className="wrap-anywhere">{traitText(t.value)}</span> },
          ]}
          empty={<Empty title="No computed traits.">None is defined, or none has a value for this person yet.</Empty>}
        />
      </Section>
    </div>
  )
}
