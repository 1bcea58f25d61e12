/**
 * One person: identities and merges (merge another person in, undo a merge), affinities with the events
 * behind them, cart, orders, RFM, consent and preferences (editors change them), every strategy's
 * recommendations for them with the `explain` of each level (previews: no impression is recorded), and
 * the timeline of their events. Editing controls are shown to editors and admins only; the server
 * checks the role on every call anyway.
 */
import { type UseQueryResult, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import type { AffinityEvidence, PersonChange, PersonEvent, PersonEvents, PlacementAnswer, ProfileView, RecommendationAnswer, Strategy } from '../../../src/server/api-types.ts'
import { api, ApiError, query } from '../api.ts'
import { type Column, DataTable, LoadMore } from '../components/data-table.tsx'
import { Button } from '../components/form.tsx'
import { PersonSegments } from '../components/person-segments.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { Empty, ErrorNote, Loading, QueryView } from '../components/states.tsx'
import { formatAgo, formatInteger, formatMoney, formatNumber, formatPercent } from '../format.ts'
import { useSession } from '../session.tsx'
import { at, Consent, Identities, Merges, Preferences, When } from '../components/person-changes.tsx'

/** Every strategy, checked against the server's list: adding one there fails the type check here until it is shown. */
const STRATEGIES = ['for-you', 'also-bought', 'also-viewed', 'similar', 'complete-the-look', 'cart', 'trending', 'bestsellers', 'recently-viewed', 'email-picks'] as const satisfies readonly Strategy[]
const everyStrategy: Exclude<Strategy, (typeof STRATEGIES)[number]> extends never ? true : false = true
void everyStrategy
/** Strategies that answer around a product page's item: previewed with the person's latest viewed item. */
const ITEM_STRATEGIES = new Set<string>(['also-bought', 'also-viewed', 'similar', 'complete-the-look'])
const ORDER_KINDS = 'order_completed,order_refunded,order_cancelled'

type Affinities = AffinityEvidence['categories']
type Preview = { strategy: Strategy; answer?: RecommendationAnswer; error?: unknown }


export function PersonPage() {
  const { id = '' } = useParams()
  const { can } = useSession()
  const editor = can('editor')
  const client = useQueryClient()
  const navigate = useNavigate()
  const profile = useQuery({ queryKey: ['person', id, 'profile'], queryFn: () => api.get<ProfileView>(at(id)) })
  const refresh = async (reply?: PersonChange) => {
    await client.invalidateQueries({ queryKey: ['person', id] })
    await client.invalidateQueries({ queryKey: ['people'] })
    // A merge keeps one root of the two: follow the person to it.
    if (reply && 'profile' in reply && reply.profile && reply.profile.id !== id) navigate(`/people/${encodeURIComponent(reply.profile.id)}`, { replace: true })
  }
  const view = profile.data
  const title = view ? (view.identities.userIds[0] ?? view.identities.emails[0] ?? view.identities.anonymousIds[0] ?? view.id) : 'Person'
  return (
    <Page title={title} ready={view !== undefined || profile.isError} actions={<Link to="/people">All people</Link>}>
      {profile.isError ? (
        <>
          <ErrorNote error={profile.error} retry={() => void profile.refetch()} />
          {profile.error instanceof ApiError && profile.error.status === 404 && <p>No one is known by this id any more: find them again from the People page.</p>}
        </>
      ) : !view ? (
        <Loading what="the profile" />
      ) : (
        <>
          <p className="muted">
            Person id <code>{view.id}</code>. Last seen <When value={view.activity.lastSeen} /> ({formatAgo(view.activity.lastSeen)}), first seen <When value={view.activity.firstSeen} />.
          </p>
          <Stats>
            <Stat label="Orders" value={formatInteger(view.purchases.orders)} detail={`Average ${formatMoney(view.purchases.averageOrderValue)}`} />
            <Stat label="Revenue" value={formatMoney(view.purchases.revenue)} detail={`Refunds: ${formatInteger(view.purchases.refunds.count)} (${formatMoney(view.purchases.refunds.amount)})`} />
            <Stat
              label="RFM"
              value={view.rfm ? view.rfm.code : '—'}
              detail={view.rfm ? `Recency ${view.rfm.recency}, frequency ${view.rfm.frequency}, monetary ${view.rfm.monetary} (1–5, 5 best)` : 'No orders yet'}
            />
            <Stat label="Events" value={formatInteger(view.activity.events)} detail={`${formatInteger(view.sessions.count)} sessions`} />
            <Stat label="Personalization" value={view.personalization ? 'On' : 'Off'} detail={view.personalization ? 'Recommendations use their history' : 'Non-personalized answers only'} />
          </Stats>
          <Identities view={view} editor={editor} onChanged={refresh} id={id} />
          <Consent view={view} editor={editor} onChanged={refresh} id={id} />
          <Merges view={view} editor={editor} onChanged={refresh} id={id} />
          <PersonSegments view={view} />
          <AffinitiesSection id={id} />
          <div className="grid-2">
            <Cart view={view} />
            <Orders id={id} />
          </div>
          <Preferences view={view} editor={editor} onChanged={refresh} id={id} />
          <RecommendationsPreview id={id} view={view} />
          <Timeline id={id} />
        </>
      )}
    </Page>
  )
}


function AffinityTable({ caption, rows, what }: { caption: string; rows: Affinities; what: string }) {
  return (
    <DataTable
      caption={caption}
      columns={[
        { header: what, cell: (a) => a.name },
        { header: 'Score', numeric: true, cell: (a) => formatNumber(a.score) },
        { header: 'Share', numeric: true, cell: (a) => formatPercent(a.share) },
        { header: 'Source', cell: (a) => (a.source === 'explicit' ? 'Liked (explicit)' : 'Inferred') },
        {
          header: 'Events behind it (newest first)',
          cell: (a) =>
            a.events.length === 0 ? (
              <span className="muted">{a.source === 'explicit' ? 'Stated as a like' : '—'}</span>
            ) : (
              <ul className="plain-list">
                {a.events.map((e) => (
                  <li key={`${e.messageId}-${e.itemId ?? ''}`}>
                    {e.event ?? e.kind}
                    {e.itemId && (
                      <>
                        {' '}
                        of <Link to={`/catalogue/${encodeURIComponent(e.itemId)}`}>{e.itemId}</Link>
                      </>
                    )}{' '}
                    <When value={e.timestamp} /> <span className="muted">adds {formatNumber(e.worth)} now (was {formatNumber(e.weight)})</span>
                  </li>
                ))}
              </ul>
            ),
        },
      ]}
      rows={rows}
      rowKey={(a) => a.name}
      empty={<Empty title={`No ${what.toLowerCase()} affinities.`}>They build up as the person views, adds to cart and buys (with personalization consent).</Empty>}
    />
  )
}

function AffinitiesSection({ id }: { id: string }) {
  const evidence = useQuery({ queryKey: ['person', id, 'affinities'], queryFn: () => api.get<AffinityEvidence>(at(id, '/affinities', { events: 3 })) })
  return (
    <Section title="Affinities">
      <QueryView query={evidence} what="affinities">
        {(data) => (
          <>
            <p className="muted">
              Scores halve every {formatNumber(data.halfLifeDays)} days; each event shows what it still adds.
              {!data.personalization && ' Personalization consent is off: nothing is inferred for this person, so no affinities are shown or used.'}
            </p>
            <AffinityTable caption="Category affinities" rows={data.categories} what="Category" />
            <AffinityTable caption="Brand affinities" rows={data.brands} what="Brand" />
          </>
        )}
      </QueryView>
    </Section>
  )
}

function Cart({ view }: { view: ProfileView }) {
  return (
    <Section title="Cart">
      <DataTable
        caption="Items in the cart"
        columns={[
          { header: 'Item', cell: (l) => <Link to={`/catalogue/${encodeURIComponent(l.itemId)}`}>{l.itemId}</Link> },
          { header: 'Quantity', numeric: true, cell: (l) => formatInteger(l.quantity) },
          { header: 'Price', numeric: true, cell: (l) => formatMoney(l.price) },
          { header: 'Added', cell: (l) => <When value={l.addedAt} /> },
        ]}
        rows={view.cart.items}
        rowKey={(l) => l.itemId}
        empty={<Empty title="The cart is empty." />}
      />
      {view.cart.items.length > 0 && <p>Cart value: {formatMoney(view.cart.value)}</p>}
    </Section>
  )
}

type Line = { product_id?: unknown; sku?: unknown; quantity?: unknown; price?: unknown }
function orderLines(e: PersonEvent): string {
  const products = (e.properties as { products?: Line[] }).products
  if (!Array.isArray(products)) return e.itemId ?? '—'
  return products.map((p) => `${String(p.product_id ?? p.sku ?? '?')} × ${String(p.quantity ?? 1)}`).join(', ')
}

function Orders({ id }: { id: string }) {
  const orders = useQuery({ queryKey: ['person', id, 'orders'], queryFn: () => api.get<PersonEvents>(at(id, '/events', { kind: ORDER_KINDS, limit: 20 })) })
  const kinds: Record<string, string> = { order_completed: 'Order', order_refunded: 'Refund', order_cancelled: 'Cancellation' }
  return (
    <Section title="Orders">
      <QueryView query={orders} what="orders">
        {(data) => (
          <>
            <DataTable
              caption="Orders, refunds and cancellations, newest first"
              columns={[
                { header: 'When', cell: (e) => <When value={e.timestamp} /> },
                { header: 'What', cell: (e) => kinds[e.kind] ?? e.kind },
                { header: 'Order id', cell: (e) => String((e.properties as { order_id?: unknown }).order_id ?? (e.data as { orderId?: unknown }).orderId ?? '—') },
                { header: 'Lines', cell: orderLines },
                { header: 'Revenue', numeric: true, cell: (e) => formatMoney((e.data as { revenue?: number }).revenue ?? null) },
              ]}
              rows={data.data}
              rowKey={(e) => e.messageId}
              empty={<Empty title="No orders yet." />}
            />
            {data.nextCursor && <p className="muted">The 20 newest are shown; the timeline below has every event.</p>}
          </>
        )}
      </QueryView>
    </Section>
  )
}

function Explain({ placement }: { placement: PlacementAnswer }) {
  if (!placement.explain) return null
  return (
    <details>
      <summary>Explain each level ({placement.explain.length})</summary>
      <DataTable
        caption={`What each level of ${placement.strategy} offered`}
        columns={[
          { header: 'Level', cell: (l) => l.source },
          { header: 'Offered', numeric: true, cell: (l) => formatInteger(l.candidates) },
          { header: 'Examined', numeric: true, cell: (l) => formatInteger(l.examined) },
          { header: 'Taken', numeric: true, cell: (l) => formatInteger(l.taken) },
          {
            header: 'Left out',
            cell: (l) =>
              Object.keys(l.rejected).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                Object.entries(l.rejected)
                  .map(([why, n]) => `${why}: ${n}`)
                  .join(', ')
              ),
          },
        ]}
        rows={placement.explain}
        rowKey={(l) => l.source}
      />
    </details>
  )
}

function PreviewCard({ preview }: { preview: Preview }) {
  const { strategy, answer, error } = preview
  const placement = answer?.placements[0]
  let body: ReactNode
  if (error) body = <ErrorNote error={error} />
  else if (!answer || !placement) body = <Loading what={strategy} />
  else
    body = (
      <>
        <p>
          <strong>{answer.personalized ? 'Personalized' : 'Not personalized'}</strong>
          {answer.note && <span className="muted"> — {answer.note}</span>}
        </p>
        <p className="muted">
          Served by: {placement.servedBy.join(' → ') || 'nothing'}
          {placement.note && ` (${placement.note})`}
        </p>
        {placement.items.length === 0 ? (
          <Empty title="No items." />
        ) : (
          <ol className="preview-items">
            {placement.items.map((item) => (
              <li key={item.id}>
                <Link to={`/catalogue/${encodeURIComponent(item.id)}`}>{item.title ?? item.id}</Link> <span className="muted">— {item.reason}</span>
              </li>
            ))}
          </ol>
        )}
        <Explain placement={placement} />
      </>
    )
  return (
    <section className="card" aria-label={`Preview of ${strategy}`}>
      <h3>{strategy}</h3>
      {body}
    </section>
  )
}

function RecommendationsPreview({ id, view }: { id: string; view: ProfileView }) {
  const context = view.recentlyViewed[0]?.itemId ?? view.cart.items[0]?.itemId
  const previews: UseQueryResult<Preview[]> = useQuery({
    queryKey: ['person', id, 'preview', context ?? null],
    queryFn: () =>
      Promise.all(
        STRATEGIES.map(async (strategy): Promise<Preview> => {
          try {
            const body = { personId: view.id, preview: true, explain: true, strategy, count: 5, ...(ITEM_STRATEGIES.has(strategy) && context && { itemId: context }) }
            return { strategy, answer: await api.post<RecommendationAnswer>('/v1/recommendations', body) }
          } catch (error) {
            return { strategy, error }
          }
        }),
      ),
  })
  return (
    <Section
      title="Recommendations for this person"
      actions={
        <Button variant="secondary" className="small" busy={previews.isFetching} onClick={() => void previews.refetch()}>
          Refresh previews
        </Button>
      }
    >
      <p className="muted">
        What every strategy answers for them now, as previews: nothing is recorded as shown, so reports are unchanged.
        {context ? ` Product-page strategies use their latest item, ${context}.` : ' Product-page strategies have no item of theirs to start from.'}
      </p>
      <QueryView query={previews} what="previews">
        {(list) => (
          <div className="preview-grid">
            {list.map((p) => (
              <PreviewCard key={p.strategy} preview={p} />
            ))}
          </div>
        )}
      </QueryView>
    </Section>
  )
}

function Timeline({ id }: { id: string }) {
  const events = useInfiniteQuery({
    queryKey: ['person', id, 'events'],
    initialPageParam: '',
    queryFn: ({ pageParam }) => api.get<PersonEvents>(at(id, '/events', { limit: 25, cursor: pageParam || undefined })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const columns: Column<PersonEvent>[] = [
    { header: 'When', cell: (e) => <When value={e.timestamp} /> },
    { header: 'Kind', cell: (e) => e.kind },
    { header: 'Event', cell: (e) => e.event ?? e.type },
    { header: 'Item', cell: (e) => (e.itemId ? <Link to={`/catalogue/${encodeURIComponent(e.itemId)}`}>{e.itemId}</Link> : <span className="muted">—</span>) },
    { header: 'User id / anonymous id', cell: (e) => [e.userId, e.anonymousId].filter(Boolean).join(' / ') || '—' },
    {
      header: 'Details',
      cell: (e) => (
        <details>
          <summary>Properties</summary>
          <pre>{JSON.stringify({ properties: e.properties, traits: e.traits, messageId: e.messageId }, null, 2)}</pre>
        </details>
      ),
    },
  ]
  return (
    <Section title="Timeline">
      {events.isError ? (
        <ErrorNote error={events.error} retry={() => void events.refetch()} />
      ) : !events.data ? (
        <Loading what="events" />
      ) : (
        <>
          <DataTable caption="Events, newest first" columns={columns} rows={events.data.pages.flatMap((p) => p.data)} rowKey={(e) => e.messageId} empty={<Empty title="No events yet." />} />
          <LoadMore hasMore={events.hasNextPage} loading={events.isFetchingNextPage} onMore={() => void events.fetchNextPage()} />
        </>
      )}
    </Section>
  )
}
