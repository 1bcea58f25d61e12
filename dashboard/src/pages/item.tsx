/**
 * An item: its catalogue details and what shoppers on its page are shown: also bought, also viewed,
 * similar and complete the look (GET /v1/items/:id/related), each item with its reason and the fallback
 * level it came from. Asking records no impressions.
 */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useParams } from 'react-router'
import type { ItemRelatedReply, RelatedItem, RelatedList } from '../../../src/server/api-types.ts'
import { ApiError, api, query } from '../api.ts'
import { type Column, DataTable } from '../components/data-table.tsx'
import { CheckboxField } from '../components/form.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, ErrorNote, Loading } from '../components/states.tsx'
import { formatInteger, formatMoney, formatNumber, formatTime } from '../format.ts'
import { StockBadge } from './catalogue.tsx'

const TITLES: Record<RelatedList['strategy'], string> = {
  'also-bought': 'Also bought',
  'also-viewed': 'Also viewed',
  similar: 'Similar',
  'complete-the-look': 'Complete the look',
}

/** How a fallback level reads. */
const LEVELS: Record<string, string> = {
  'also-bought': 'also bought',
  'also-viewed': 'also viewed',
  similar: 'content similarity',
  'complete-the-look': 'bought together across categories',
  'complementary-categories': 'complementary categories',
  'same-category': 'same category',
  'parent-category': 'parent category',
  'same-brand': 'same brand',
  bestsellers: 'bestsellers',
  trending: 'trending',
  'new-arrivals': 'new arrivals',
  pinned: 'pinned',
}
const levelName = (level: string) => LEVELS[level] ?? level

/** Only web addresses become links (never javascript: or data:). */
function safeUrl(url: string | null): string | null {
  if (!url) return null
  try {
    const parsed = new URL(url, window.location.href)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null
  } catch {
    return null
  }
}

export function ItemPage() {
  const { id = '' } = useParams()
  const [withOutOfStock, setWithOutOfStock] = useState(false)
  const related = useQuery({
    queryKey: ['item-related', id, withOutOfStock],
    queryFn: () => api.get<ItemRelatedReply>(`/v1/items/${encodeURIComponent(id)}/related${query({ count: 8, inStock: withOutOfStock ? false : undefined })}`),
    placeholderData: (previous) => previous,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  })
  const data = related.data
  const title = data ? (data.item.title ?? data.item.id) : 'Item'
  return (
    <Page title={title} ready={data !== undefined || related.isError} actions={<Link to="/catalogue">Back to the catalogue</Link>}>
      {related.isError ? (
        related.error instanceof ApiError && related.error.status === 404 ? (
          <Empty title={`No item "${id}" in the catalogue`}>
            It may have been deleted. <Link to="/catalogue">Search the catalogue</Link> for it.
          </Empty>
        ) : (
          <ErrorNote error={related.error} retry={() => void related.refetch()} />
        )
      ) : !data ? (
        <Loading what="the item" />
      ) : (
        <>
          <Details item={data.item} />
          <Section title="What shoppers see on its page">
            <p className="hint">
              As an anonymous shopper on this item's page would get them{data.modelVersion ? <> from model <code>{data.modelVersion}</code></> : null}. Looking here records no impressions.
            </p>
            <CheckboxField label="Include items out of stock (shoppers never see them)" checked={withOutOfStock} onChange={(e) => setWithOutOfStock(e.target.checked)} />
            {data.note && (
              <Empty title="No recommendations yet">
                {data.note}. <Link to="/models">Go to Models</Link>
              </Empty>
            )}
          </Section>
          {!data.note && (
            <>
              {data.lists.map((list) => (
                <List key={list.strategy} list={list} />
              ))}
            </>
          )}
        </>
      )}
    </Page>
  )
}

function Details({ item }: { item: ItemRelatedReply['item'] }) {
  const link = safeUrl(item.url)
  const picture = safeUrl(item.imageUrl)
  const attributes = Object.keys(item.attributes).length > 0 ? JSON.stringify(item.attributes, null, 2) : null
  return (
    <Section title="Details">
      <div className="item-details">
        {picture && <img src={picture} alt={item.title ?? item.id} width={160} height={160} />}
        <dl className="facts">
          <dt>Id</dt>
          <dd>
            <code>{item.id}</code>
          </dd>
          <dt>Title</dt>
          <dd>{item.title ?? '—'}</dd>
          <dt>Brand</dt>
          <dd>{item.brand ?? '—'}</dd>
          <dt>Categories</dt>
          <dd>{item.categories.length > 0 ? item.categories.join('; ') : '—'}</dd>
          <dt>Price</dt>
          <dd>{item.price === null ? '—' : `${formatMoney(item.price)}${item.currency ? ` ${item.currency}` : ''}`}</dd>
          <dt>Stock</dt>
          <dd>
            <StockBadge stock={item.stock} inventory={null} /> {item.inventory === null ? '(inventory not tracked)' : `${formatInteger(item.inventory)} units ${item.available ? '' : '(marked not available)'}`}
          </dd>
          <dt>Tags</dt>
          <dd>{item.tags.length > 0 ? item.tags.join(', ') : '—'}</dd>
          <dt>Page</dt>
          <dd>{link ? <a href={link}>{item.url}</a> : (item.url ?? '—')}</dd>
          <dt>Created</dt>
          <dd>{formatTime(item.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{formatTime(item.updatedAt)}</dd>
        </dl>
      </div>
      {item.description && <p className="wrap-anywhere">{item.description}</p>}
      {attributes && (
        <details>
          <summary>Attributes</summary>
          <pre>{attributes}</pre>
        </details>
      )}
    </Section>
  )
}

function List({ list }: { list: RelatedList }) {
  const title = TITLES[list.strategy]
  const columns: Column<RelatedItem & { rank: number }>[] = [
    { header: '#', numeric: true, cell: (r) => r.rank },
    {
      header: 'Item',
      cell: (r) => (
        <>
          <Link to={`/catalogue/${encodeURIComponent(r.id)}`}>{r.title ?? r.id}</Link>
          <div className="hint">{r.brand ?? ''}</div>
        </>
      ),
    },
    {
      header: 'Why',
      cell: (r) => (
        <>
          {r.reason}
          <div className="hint">from: {levelName(r.level)}</div>
        </>
      ),
    },
    { header: 'Score', numeric: true, cell: (r) => formatNumber(r.score) },
    { header: 'Stock', cell: (r) => <StockBadge stock={r.stock} inventory={null} /> },
  ]
  return (
    <Section title={title}>
      <p className="hint">
        Levels tried, nearest first:{' '}
        {list.chain.map((level, i) => (
          <span key={level}>
            {i > 0 && ' → '}
            {list.servedBy.includes(level) ? <strong>{levelName(level)} (used)</strong> : levelName(level)}
          </span>
        ))}
      </p>
      {list.note && <p className="hint">Note: {list.note}</p>}
      <DataTable
        caption={`${title}: recommended items`}
        columns={columns}
        rows={list.items.map((item, i) => ({ ...item, rank: i + 1 }))}
        rowKey={(r) => r.id}
        empty={
          <Empty title={`Nothing to show as ${title.toLowerCase()}`}>
            {list.strategy === 'complete-the-look' ? 'No orders combine this category with others yet.' : 'No level of the chain had items that pass the filters.'}
          </Empty>
        }
      />
    </Section>
  )
}
