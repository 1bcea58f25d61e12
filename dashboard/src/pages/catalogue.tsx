/**
 * Catalogue: the items with their stock, searched by id or words of title and brand, filtered by category
 * and stock, a page at a time (GET /v1/items); and the categories with their sensitivity marks, which
 * editors and admins change (POST /v1/categories).
 */
import { type UseQueryResult, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import type { CatalogCategoriesReply, CatalogCategory, CatalogItemsPage, StockStatus } from '../../../src/server/api-types.ts'
import { api, query } from '../api.ts'
import { type Column, DataTable, LoadMore } from '../components/data-table.tsx'
import { Button, SelectField, TextField } from '../components/form.tsx'
import { Page, Section } from '../components/page.tsx'
import { Empty, ErrorNote, Loading } from '../components/states.tsx'
import { formatInteger, formatMoney, formatTime } from '../format.ts'
import { useSession } from '../session.tsx'

const PAGE_SIZE = 50

type Item = CatalogItemsPage['data'][number]

/** Stock as words (never colour alone), with the units when they are tracked. */
export function StockBadge({ stock, inventory }: { stock: StockStatus; inventory: number | null }) {
  if (stock === 'unavailable') return <span className="badge bad">Unavailable</span>
  if (stock === 'out_of_stock') return <span className="badge bad">Out of stock</span>
  return <span className="badge ok">In stock{inventory === null ? '' : ` (${formatInteger(inventory)})`}</span>
}

const columns: readonly Column<Item>[] = [
  {
    header: 'Item',
    cell: (item) => (
      <>
        <Link to={`/catalogue/${encodeURIComponent(item.id)}`}>{item.title ?? '(no title)'}</Link>
        <div className="hint">
          <code>{item.id}</code>
        </div>
      </>
    ),
  },
  { header: 'Brand', cell: (item) => item.brand ?? '—' },
  { header: 'Category', cell: (item) => item.categories[0] ?? '—' },
  { header: 'Price', numeric: true, cell: (item) => (item.price === null ? '—' : `${formatMoney(item.price)}${item.currency ? ` ${item.currency}` : ''}`) },
  { header: 'Stock', cell: (item) => <StockBadge stock={item.stock} inventory={item.inventory} /> },
  { header: 'Updated', cell: (item) => formatTime(item.updatedAt) },
]

/** "12 items match the filters.", "50 items shown, more below." */
function countText(n: number, more: boolean, filtered: boolean): string {
  const items = n === 0 ? 'No item' : `${formatInteger(n)} item${n === 1 ? '' : 's'}`
  if (more) return `${items} shown, more below${filtered ? ' (filtered)' : ''}.`
  if (!filtered) return `${items} in the catalogue.`
  return `${items} ${n === 1 || n === 0 ? 'matches' : 'match'} the filters.`
}

export function CataloguePage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const category = params.get('category') ?? ''
  const stock = params.get('stock') ?? ''
  const [draft, setDraft] = useState(q)
  // The box follows the address only when it changed from elsewhere (back and forward), never while typing.
  const pushed = useRef(q)
  useEffect(() => {
    if (q !== pushed.current) setDraft(q)
    pushed.current = q
  }, [q])
  // Typing searches after a short pause; Enter or the button searches at once.
  useEffect(() => {
    if (draft === q) return
    const timer = setTimeout(() => update({ q: draft }), 300)
    return () => clearTimeout(timer)
  }, [draft, q])
  const update = (changes: Record<string, string>) => {
    if (changes.q !== undefined) pushed.current = changes.q
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous)
        for (const [key, value] of Object.entries(changes)) {
          if (value === '') next.delete(key)
          else next.set(key, value)
        }
        return next
      },
      { replace: true },
    )
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    update({ q: draft })
  }

  const categories = useQuery({ queryKey: ['categories'], queryFn: () => api.get<CatalogCategoriesReply>('/v1/categories') })
  const items = useInfiniteQuery({
    queryKey: ['items', q, category, stock],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api.get<CatalogItemsPage>(`/v1/items${query({ limit: PAGE_SIZE, q: q.trim(), category, inStock: stock === '' ? undefined : stock === 'in', cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = items.data?.pages.flatMap((p) => p.data) ?? []
  const filtered = q.trim() !== '' || category !== '' || stock !== ''

  return (
    <Page title="Catalogue" ready={items.data !== undefined && categories.data !== undefined}>
      <Section title="Items">
        <form className="row" role="search" aria-label="Search the catalogue" onSubmit={submit}>
          <TextField label="Search" hint="An id prefix, or words of the title or brand" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={200} />
          <SelectField
            label="Category"
            value={category}
            onChange={(e) => update({ category: e.target.value })}
            options={[{ value: '', label: 'All categories' }, ...(categories.data?.data ?? []).map((c) => ({ value: c.path, label: `${c.path} (${formatInteger(c.itemCount)})` }))]}
          />
          <SelectField
            label="Stock"
            value={stock}
            onChange={(e) => update({ stock: e.target.value })}
            options={[
              { value: '', label: 'Any' },
              { value: 'in', label: 'In stock' },
              { value: 'out', label: 'Out of stock or unavailable' },
            ]}
          />
          <Button type="submit">Search</Button>
          {filtered && (
            <Button variant="secondary" onClick={() => (setDraft(''), setParams(new URLSearchParams(), { replace: true }))}>
              Clear filters
            </Button>
          )}
        </form>
        {items.isError ? (
          <ErrorNote error={items.error} retry={() => void items.refetch()} />
        ) : items.data === undefined ? (
          <Loading what="items" />
        ) : (
          <>
            <p className="hint" role="status">
              {countText(rows.length, items.hasNextPage, filtered)}
            </p>
            <DataTable
              caption="Catalogue items"
              columns={columns}
              rows={rows}
              rowKey={(item) => item.id}
              empty={
                filtered ? (
                  <Empty title="Nothing found">Search by the start of an id, or by whole words of titles and brands; or clear the filters.</Empty>
                ) : (
                  <Empty title="The catalogue is empty">
                    Send items with <code>POST /v1/items</code>, or run <code>npx attune import catalog</code>.
                  </Empty>
                )
              }
            />
            <LoadMore hasMore={items.hasNextPage} loading={items.isFetchingNextPage} onMore={() => void items.fetchNextPage()} />
          </>
        )}
      </Section>
      <Categories categories={categories} />
    </Page>
  )
}

function Categories({ categories }: { categories: UseQueryResult<CatalogCategoriesReply> }) {
  const { can } = useSession()
  const editor = can('editor')
  const client = useQueryClient()
  const mark = useMutation({
    mutationFn: (change: { path: string; sensitive: boolean }) => api.post<CatalogCategoriesReply>('/v1/categories', { categories: [change] }),
    onSuccess: (reply) => client.setQueryData(['categories'], reply),
  })
  const columns: Column<CatalogCategory>[] = [
    { header: 'Category', cell: (c) => c.path },
    { header: 'Items', numeric: true, cell: (c) => formatInteger(c.itemCount) },
    {
      header: 'Sensitivity',
      cell: (c) =>
        c.inheritedSensitive ? (
          <span className="badge muted">Sensitive (from its parent)</span>
        ) : c.sensitive ? (
          <span className="badge bad">Sensitive</span>
        ) : (
          <span className="badge muted">Not sensitive</span>
        ),
    },
  ]
  if (editor)
    columns.push({
      header: 'Change',
      cell: (c) =>
        c.inheritedSensitive ? (
          <span className="hint">Unmark the parent to change</span>
        ) : (
          <Button
            variant="secondary"
            className="small"
            busy={mark.isPending && mark.variables?.path === c.path}
            aria-label={`${c.sensitive ? 'Unmark' : 'Mark sensitive'}: ${c.path}`}
            onClick={() => mark.mutate({ path: c.path, sensitive: !c.sensitive })}
          >
            {c.sensitive ? 'Unmark' : 'Mark sensitive'}
          </Button>
        ),
    })
  return (
    <Section title="Categories and sensitivity">
      <p className="hint">
        A sensitive category (health, religion, …) and everything under it is never used to infer interests without the person's consent for sensitive data.
        {editor ? '' : ' Only editors and admins can change the marks.'}
      </p>
      {mark.isError && <ErrorNote error={mark.error} />}
      {categories.isError ? (
        <ErrorNote error={categories.error} retry={() => void categories.refetch()} />
      ) : categories.data === undefined ? (
        <Loading what="categories" />
      ) : (
        <DataTable
          caption="Categories and their sensitivity"
          columns={columns}
          rows={categories.data.data}
          rowKey={(c) => c.path}
          empty={<Empty title="No categories yet">Items bring their categories; send items with categories first.</Empty>}
        />
      )}
    </Section>
  )
}
