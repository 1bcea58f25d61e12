/**
 * One segment: its rule (read in the builder, or as JSON), its size now and over time, its members 25 at a
 * time with a link to each person and the CSV of all of them, and its version history. Editors change or
 * delete it; viewers read it.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError } from '../api.ts'
import { TimeChart } from '../components/chart.tsx'
import { DataTable, LoadMore } from '../components/data-table.tsx'
import { ConfirmButton, SelectField } from '../components/form.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { RuleBuilder } from '../components/rule-builder.tsx'
import { PersonLink } from '../components/size-estimate.tsx'
import { Empty, ErrorNote, Loading, QueryView } from '../components/states.tsx'
import { formatAgo, formatInteger, formatTime } from '../format.ts'
import type { Json } from '../rule-shapes.ts'
import { invalidateLists, type SegmentView, segmentApi } from '../segment-api.ts'
import { useSession } from '../session.tsx'
import { identifierName } from './people.tsx'
import { EnabledBadge } from './segments.tsx'

const DAY_MS = 24 * 3600_000

export function SegmentPage() {
  const { id = '' } = useParams()
  const { can } = useSession()
  const editor = can('editor')
  const client = useQueryClient()
  const navigate = useNavigate()
  const segment = useQuery({ queryKey: ['segments', id, 'detail'], queryFn: () => segmentApi.get(id), refetchInterval: 15_000 })
  // Names of the segments and traits the rule refers to by key.
  const segments = useQuery({ queryKey: ['segments', 'list'], queryFn: segmentApi.list })
  const traits = useQuery({ queryKey: ['traits', 'list'], queryFn: segmentApi.traits })
  const named = (rows: readonly { key: string; name: string }[] | undefined) => (rows ?? []).map((r) => ({ key: r.key, name: r.name }))
  const remove = useMutation({
    mutationFn: () => segmentApi.remove(id),
    onSuccess: async () => {
      navigate('/segments')
      // Forget the deleted one rather than refetch it (a 404), and refresh the lists that named it.
      client.removeQueries({ queryKey: ['segments', id] })
      await invalidateLists(client)
    },
  })
  const s = segment.data
  const actions = (
    <>
      <Link to="/segments">All segments</Link>
      {editor && s && (
        <>
          <Link to={`/segments/${encodeURIComponent(id)}/edit`} className="button primary">
            Change segment
          </Link>
          <ConfirmButton confirmLabel={`Confirm delete ${s.name}`} busy={remove.isPending} onConfirm={() => remove.mutate()}>
            Delete segment
          </ConfirmButton>
        </>
      )}
    </>
  )
  return (
    <Page title={s?.name ?? 'Segment'} ready={s !== undefined || segment.isError} actions={actions}>
      {remove.error && <ErrorNote error={remove.error} />}
      {segment.isError ? (
        <>
          <ErrorNote error={segment.error} retry={() => void segment.refetch()} />
          {segment.error instanceof ApiError && segment.error.status === 404 && <p>There is no segment with this id (it may have been deleted): see all segments.</p>}
        </>
      ) : !s ? (
        <Loading what="the segment" />
      ) : (
        <>
          {s.description && <p className="wrap-anywhere">{s.description}</p>}
          <Stats>
            <Stat label="Members now" value={formatInteger(s.size)} />
            <Stat label="State" value={<EnabledBadge enabled={s.enabled} />} detail={s.builtIn ? 'Built in (editable)' : 'Created by staff'} />
            <Stat label="Key" value={<code className="wrap-anywhere">{s.key}</code>} detail="The audience key of its events" />
            <Stat
              label="Last change"
              value={
                <time dateTime={s.updatedAt} title={formatTime(s.updatedAt)}>
                  {formatAgo(s.updatedAt)}
                </time>
              }
              detail={<span className="wrap-anywhere">by {s.updatedBy}, version {formatInteger(s.version)}</span>}
            />
          </Stats>
          <Section title="Rule">
            <RuleBuilder value={s.definition as Json} onChange={() => {}} context={{ readOnly: true, segments: named(segments.data?.data), traits: named(traits.data?.data), errorPath: null, errorMessage: '' }} />
          </Section>
          <SizeHistory id={id} />
          <Members segment={s} />
          <Versions id={id} version={s.version} />
        </>
      )}
    </Page>
  )
}

function SizeHistory({ id }: { id: string }) {
  const [days, setDays] = useState('30')
  const sizes = useQuery({
    queryKey: ['segments', id, 'sizes', days],
    queryFn: () => segmentApi.sizes(id, Date.now() - Number(days) * DAY_MS, Date.now()),
  })
  return (
    <Section
      title="Size over time"
      actions={<SelectField label="Days shown" value={days} onChange={(e) => setDays(e.target.value)} options={['7', '30', '90', '365'].map((d) => ({ value: d, label: `Last ${d} days` }))} />}
    >
      <QueryView query={sizes} what="the size history">
        {(reply) =>
          reply.data.length === 0 ? (
            <Empty title="No history yet.">
              <p>Sizes are recorded per day from the day the segment was created.</p>
            </Empty>
          ) : (
            <TimeChart
              title="Members per day (UTC)"
              days="utc"
              times={reply.data.map((p) => Date.parse(p.day))}
              series={[
                { label: 'Members', values: reply.data.map((p) => p.size) },
                { label: 'Entered', values: reply.data.map((p) => p.entered) },
                { label: 'Exited', values: reply.data.map((p) => p.exited) },
              ]}
            />
          )
        }
      </QueryView>
    </Section>
  )
}

function Members({ segment }: { segment: SegmentView }) {
  const members = useInfiniteQuery({
    queryKey: ['segments', segment.id, 'members'],
    initialPageParam: '',
    queryFn: ({ pageParam }) => segmentApi.members(segment.id, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = members.data?.pages.flatMap((p) => p.data) ?? []
  return (
    <Section
      title="Members"
      actions={
        <a className="button secondary small" href={segmentApi.csvHref(segment.id)} download={`${segment.key}-members.csv`}>
          Export members as CSV
        </a>
      }
    >
      {members.isError ? (
        <ErrorNote error={members.error} retry={() => void members.refetch()} />
      ) : members.data === undefined ? (
        <Loading what="members" />
      ) : (
        <>
          <DataTable
            caption={`Members of ${segment.name}`}
            rows={rows}
            rowKey={(m) => m.personId}
            columns={[
              {
                header: 'Person',
                cell: (m) => <PersonLink person={m} />,
              },
              { header: 'Known as', cell: (m) => (m.identifier ? identifierName(m.identifier.type) : <span className="muted">person id only</span>) },
              { header: 'Member since', cell: (m) => <time dateTime={m.since}>{formatTime(m.since)}</time> },
              { header: 'Admitted by version', numeric: true, cell: (m) => formatInteger(m.version) },
            ]}
            empty={<Empty title="No members now.">{segment.enabled ? 'No one matches the rule at the moment.' : 'The segment is disabled: it has no members until it is enabled.'}</Empty>}
          />
          <p className="muted" aria-live="polite">
            {formatInteger(rows.length)} of {formatInteger(segment.size)} shown{members.hasNextPage ? ', more below' : ''}.
          </p>
          <LoadMore hasMore={members.hasNextPage} loading={members.isFetchingNextPage} onMore={() => void members.fetchNextPage()} />
        </>
      )}
    </Section>
  )
}

function Versions({ id, version }: { id: string; version: number }) {
  const versions = useQuery({ queryKey: ['segments', id, 'versions', version], queryFn: () => segmentApi.versions(id) })
  return (
    <Section title="Versions">
      <QueryView query={versions} what="the versions">
        {(reply) => (
          <DataTable
            caption="Versions of this segment, newest first"
            rows={reply.data}
            rowKey={(v) => String(v.version)}
            columns={[
              { header: 'Version', numeric: true, cell: (v) => formatInteger(v.version) },
              { header: 'Saved', cell: (v) => <time dateTime={v.updatedAt}>{formatTime(v.updatedAt)}</time> },
              { header: 'By', cell: (v) => <span className="wrap-anywhere">{v.updatedBy}</span> },
              { header: 'Name', cell: (v) => <span className="wrap-anywhere">{v.name}</span> },
              { header: 'State', cell: (v) => <EnabledBadge enabled={v.enabled} /> },
              {
                header: 'Rule',
                cell: (v) => (
                  <details>
                    <summary>Rule of version {v.version}</summary>
                    <pre className="json">{JSON.stringify(v.definition, null, 2)}</pre>
                  </details>
                ),
              },
            ]}
          />
        )}
      </QueryView>
    </Section>
  )
}
