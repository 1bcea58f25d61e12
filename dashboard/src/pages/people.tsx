/**
 * People: everyone newest seen first, or a search by any identifier (user id, email, anonymous id, device
 * id, external id, person id), exact or by prefix, with filters. The search lives in the URL, so a link or
 * the back button brings the same list again.
 */
import { useInfiniteQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import type { PeopleList, PersonListRow } from '../../../src/server/api-types.ts'
import { api, query } from '../api.ts'
import { type Column, DataTable, LoadMore } from '../components/data-table.tsx'
import { Button, SelectField, TextField } from '../components/form.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, ErrorNote, Loading } from '../components/states.tsx'
import { formatAgo, formatInteger, formatMoney, formatTime } from '../format.ts'

const TYPE_NAMES: Record<string, string> = {
  user_id: 'User id',
  email: 'Email',
  anonymous_id: 'Anonymous id',
  device_id: 'Device id',
  external: 'External id',
  person_id: 'Person id',
}
export const identifierName = (type: string) => TYPE_NAMES[type] ?? type

const FILTERS = ['q', 'match', 'type', 'identified', 'consent', 'minOrders'] as const
type Filters = Record<(typeof FILTERS)[number], string>

function readFilters(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Filters
}

/** Personalization consent as words (never colour alone): granted or refused, and whether the person said so. */
export function consentText(p: PersonListRow['personalization']): string {
  return `${p.granted ? 'Granted' : 'Refused'}${p.stated ? '' : ' (default)'}`
}

const columns: Column<PersonListRow>[] = [
  {
    header: 'Person',
    cell: (r) => (
      <Link to={`/people/${encodeURIComponent(r.id)}`} className="person-link">
        {r.identifiers[0]?.value ?? r.id}
      </Link>
    ),
  },
  {
    header: 'Identifiers',
    cell: (r) => (
      <ul className="plain-list">
        {r.identifiers.map((i) => (
          <li key={`${i.type}:${i.value}`}>
            <span className="muted">{identifierName(i.type)}:</span> {i.value}
            {r.matched?.type === i.type && r.matched.value === i.value && <> <span className="badge muted">matched</span></>}
          </li>
        ))}
        {r.identifierCount > r.identifiers.length && <li className="muted">and {r.identifierCount - r.identifiers.length} more</li>}
        {r.matched?.type === 'person_id' && <li className="muted">matched by person id {r.matched.value}</li>}
      </ul>
    ),
  },
  { header: 'Orders', numeric: true, cell: (r) => formatInteger(r.orders) },
  { header: 'Revenue', numeric: true, cell: (r) => formatMoney(r.revenue) },
  { header: 'Events', numeric: true, cell: (r) => formatInteger(r.events) },
  { header: 'Last seen', cell: (r) => <time dateTime={r.lastSeenAt ?? undefined} title={formatTime(r.lastSeenAt)}>{formatAgo(r.lastSeenAt)}</time> },
  { header: 'Personalization', cell: (r) => consentText(r.personalization) },
]

export function PeoplePage() {
  const [params, setParams] = useSearchParams()
  const applied = readFilters(params)
  const [draft, setDraft] = useState<Filters>(applied)
  const [shownFor, setShownFor] = useState(params.toString())
  // The URL changed underneath (back button, a link): show its search in the form.
  if (shownFor !== params.toString()) {
    setShownFor(params.toString())
    setDraft(applied)
  }
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value })

  const list = useInfiniteQuery({
    queryKey: ['people', applied],
    initialPageParam: '',
    queryFn: ({ pageParam }) => api.get<PeopleList>(`/v1/people${query({ ...applied, limit: 25, cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })

  function submit(e: FormEvent) {
    e.preventDefault()
    const next = new URLSearchParams()
    for (const f of FILTERS) if (draft[f].trim() !== '') next.set(f, draft[f].trim())
    setParams(next)
  }

  const rows = list.data?.pages.flatMap((p) => p.data) ?? []
  const searching = applied.q !== ''
  const filtered = FILTERS.some((f) => f !== 'q' && applied[f] !== '')
  return (
    <Page title="People" ready={list.data !== undefined || list.isError}>
      <Section title="Find people">
        <form className="stack full" role="search" aria-label="People" onSubmit={submit}>
          <TextField
            label="Any identifier"
            hint="A user id, email, anonymous id, device id, external id or person id, or how it begins. Emails ignore letter case."
            type="search"
            value={draft.q}
            onChange={set('q')}
            maxLength={255}
            autoComplete="off"
          />
          <div className="row">
            <SelectField label="Match" value={draft.match} onChange={set('match')} options={[{ value: '', label: 'Starts with' }, { value: 'exact', label: 'Exactly' }]} />
            <SelectField
              label="Identifier type"
              value={draft.type}
              onChange={set('type')}
              options={[{ value: '', label: 'Any' }, ...Object.entries(TYPE_NAMES).map(([value, label]) => ({ value, label }))]}
            />
            <SelectField
              label="Known as"
              value={draft.identified}
              onChange={set('identified')}
              options={[{ value: '', label: 'Everyone' }, { value: 'user', label: 'With a user id' }, { value: 'anonymous', label: 'Anonymous only' }]}
            />
            <SelectField
              label="Personalization consent"
              value={draft.consent}
              onChange={set('consent')}
              options={[{ value: '', label: 'Any' }, { value: 'granted', label: 'Granted' }, { value: 'refused', label: 'Refused' }, { value: 'unstated', label: 'Never stated (default)' }]}
            />
            <TextField label="At least this many orders" type="number" min={0} max={1000000} step={1} value={draft.minOrders} onChange={set('minOrders')} inputMode="numeric" />
          </div>
          <div className="row">
            <Button type="submit">Search</Button>
            <Button
              variant="secondary"
              disabled={!searching && !filtered}
              onClick={() => {
                setDraft(readFilters(new URLSearchParams()))
                setParams(new URLSearchParams())
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </Section>
      <Section title={searching ? `People matching “${applied.q}”` : 'Everyone, last seen first'}>
        {list.isError ? (
          <ErrorNote error={list.error} retry={() => void list.refetch()} />
        ) : list.data === undefined ? (
          <Loading what="people" />
        ) : (
          <>
            <DataTable
              caption={searching ? `People matching ${applied.q}` : 'People'}
              columns={columns}
              rows={rows}
              rowKey={(r) => r.id}
              empty={
                searching || filtered ? (
                  <Empty title="No one matches.">
                    <p>Try fewer characters (the search matches how an identifier begins), another identifier type, or clear the filters.</p>
                  </Empty>
                ) : (
                  <Empty title="No people yet.">
                    <p>People appear once the engine receives their events: send tracking calls with a userId or anonymousId (see the API docs).</p>
                  </Empty>
                )
              }
            />
            <p className="muted" aria-live="polite">
              {formatInteger(rows.length)} shown{list.hasNextPage ? ', more below' : ''}.
            </p>
            <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onMore={() => void list.fetchNextPage()} />
          </>
        )}
      </Section>
    </Page>
  )
}
