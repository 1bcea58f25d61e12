/**
 * Computed traits: values the engine keeps on each profile from their events (a counter, a sum or an
 * average of a property, the most frequent value, ... over a window), usable in segment rules, templates
 * and the API. Editors create and change them.
 */
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { type Column, DataTable } from '../components/data-table.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, QueryView } from '../components/states.tsx'
import { type TraitView, segmentApi } from '../segment-api.ts'
import { useSession } from '../session.tsx'
import { EnabledBadge, LastChange } from './segments.tsx'
import { describeTrait } from '../components/trait-form.tsx'

const columns: Column<TraitView>[] = [
  {
    header: 'Name',
    cell: (r) => (
      <Link to={`/traits/${encodeURIComponent(r.id)}`} className="wrap-anywhere">
        {r.name}
      </Link>
    ),
  },
  { header: 'Key on the profile', cell: (r) => <code className="wrap-anywhere">{r.key}</code> },
  { header: 'Computes', cell: (r) => <span className="wrap-anywhere">{describeTrait(r.definition)}</span> },
  { header: 'State', cell: (r) => <EnabledBadge enabled={r.enabled} /> },
  { header: 'Last change', cell: (r) => <LastChange row={r} /> },
]

export function TraitsPage() {
  const { can } = useSession()
  const list = useQuery({ queryKey: ['traits', 'list'], queryFn: segmentApi.traits })
  return (
    <Page
      title="Computed traits"
      ready={list.data !== undefined || list.isError}
      actions={
        <>
          <Link to="/segments">Segments</Link>
          {can('editor') && (
            <Link to="/traits/new" className="button primary">
              New computed trait
            </Link>
          )}
        </>
      }
    >
      <p className="muted">Each person's value is kept current as their events arrive; a person's page lists theirs. Segment rules read them as profile fields traits.&lt;key&gt;.</p>
      <Section title="All computed traits">
        <QueryView query={list} what="computed traits">
          {(reply) => (
            <DataTable
              caption="Computed traits"
              columns={columns}
              rows={reply.data}
              rowKey={(r) => r.id}
              empty={
                <Empty title="No computed traits yet.">
                  <p>{can('editor') ? 'Create one with New computed trait.' : 'An editor can create one.'}</p>
                </Empty>
              }
            />
          )}
        </QueryView>
      </Section>
    </Page>
  )
}
