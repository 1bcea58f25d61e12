/**
 * Segments: every segment with its key, whether it is built in, its size now, whether it is enabled and
 * its last change; each links to its page. Editors create new ones with the rule builder.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router'
import { type Column, DataTable } from '../components/data-table.tsx'
import { Page, Section } from '../components/page.tsx'
import { Button } from '../components/form.tsx'
import { Empty, ErrorNote, QueryView } from '../components/states.tsx'
import { formatAgo, formatInteger, formatTime } from '../format.ts'
import { invalidateLists, type SegmentView, segmentApi } from '../segment-api.ts'
import { useSession } from '../session.tsx'

export const segmentHref = (id: string) => `/segments/${encodeURIComponent(id)}`

/** "Enabled" / "Disabled" in words, never colour alone. */
export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span className={`badge ${enabled ? 'ok' : 'muted'}`}>{enabled ? 'Enabled' : 'Disabled'}</span>
}

export function LastChange({ row }: { row: { updatedAt: string; updatedBy: string; version: number } }) {
  return (
    <span>
      <time dateTime={row.updatedAt} title={formatTime(row.updatedAt)}>
        {formatAgo(row.updatedAt)}
      </time>{' '}
      <span className="muted">
        by {row.updatedBy} (version {formatInteger(row.version)})
      </span>
    </span>
  )
}

const columns: Column<SegmentView>[] = [
  {
    header: 'Name',
    cell: (r) => (
      <Link to={segmentHref(r.id)} className="wrap-anywhere">
        {r.name}
      </Link>
    ),
  },
  { header: 'Key', cell: (r) => <code className="wrap-anywhere">{r.key}</code> },
  { header: 'Built in', cell: (r) => (r.builtIn ? <span className="badge">Built in</span> : <span className="muted">No</span>) },
  { header: 'Members', numeric: true, cell: (r) => formatInteger(r.size) },
  { header: 'State', cell: (r) => <EnabledBadge enabled={r.enabled} /> },
  { header: 'Last change', cell: (r) => <LastChange row={r} /> },
]

export function SegmentsPage() {
  const { can } = useSession()
  const list = useQuery({ queryKey: ['segments', 'list'], queryFn: segmentApi.list, refetchInterval: 15_000 })
  const client = useQueryClient()
  const restore = useMutation({ mutationFn: segmentApi.restoreBuiltIns, onSuccess: () => invalidateLists(client) })
  return (
    <Page
      title="Segments"
      ready={list.data !== undefined || list.isError}
      actions={
        <>
          <Link to="/traits">Computed traits</Link>
          {can('editor') && (
            <Link to="/segments/new" className="button primary">
              New segment
            </Link>
          )}
        </>
      }
    >
      <p className="muted">
        A segment is everyone who matches its rule now; membership changes as events arrive and as time windows pass. Each entry and exit is an Audience Entered or Audience Exited event.
        {can('editor') ? '' : ' Editors create and change segments; you can read them.'}
      </p>
      <Section title="All segments">
        <QueryView query={list} what="segments">
          {(reply) => (
            <DataTable
              caption="Segments"
              columns={columns}
              rows={reply.data}
              rowKey={(r) => r.id}
              empty={
                <Empty title="No segments yet.">
                  <p>{can('editor') ? 'Create one with New segment.' : 'An editor can create one.'}</p>
                </Empty>
              }
            />
          )}
        </QueryView>
        {can('editor') && (
          <div className="row">
            <Button variant="secondary" busy={restore.isPending} onClick={() => restore.mutate()}>
              Restore deleted built-in segments
            </Button>
            {restore.data && (
              <p role="status">
                {restore.data.data.length === 0 ? 'No built-in segment was deleted: nothing to restore.' : `Restored as shipped: ${restore.data.data.map((s) => s.name).join(', ')}.`}
              </p>
            )}
            {restore.error && <ErrorNote error={restore.error} />}
          </div>
        )}
      </Section>
    </Page>
  )
}
