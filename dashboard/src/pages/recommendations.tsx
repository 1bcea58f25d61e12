/**
 * Recommendations: the attribution report per strategy and per day (GET /v1/reports/recommendations?by=day,
 * in the viewer's time zone), and a playground that builds a page of placements (strategy, context,
 * filters, rules), asks POST /v1/recommendations for it and shows the answer as a shopper would see it.
 */
import { type UseQueryResult, useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import type { PlacementAnswer, RecommendationAnswer, RecommendationsReport } from '../../../src/server/api-types.ts'
import { api, query } from '../api.ts'
import { TimeChart } from '../components/chart.tsx'
import { DataTable } from '../components/data-table.tsx'
import { Button, CheckboxField, SelectField, TextField } from '../components/form.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { type Preset, presetRange, RangePicker, useRange } from '../components/range-picker.tsx'
import { Empty, ErrorNote, QueryView } from '../components/states.tsx'
import { formatDate, formatInteger, formatMoney, formatNumber, formatPercent, viewerTimeZone } from '../format.ts'

type Report = RecommendationsReport
type Row = Report['strategies'][number]
type RecommendedItem = PlacementAnswer['items'][number]

const MEASURES = [
  { value: 'impressions', label: 'Items shown', format: formatInteger },
  { value: 'clicks', label: 'Clicks', format: formatInteger },
  { value: 'ctr', label: 'CTR', format: formatPercent },
  { value: 'orders', label: 'Orders', format: formatInteger },
  { value: 'revenue', label: 'Attributed revenue', format: formatMoney },
] as const
type Measure = (typeof MEASURES)[number]['value']

/** The strategies the engine serves (POST /v1/recommendations refuses others, naming the field). */
const STRATEGIES = ['for-you', 'also-bought', 'also-viewed', 'similar', 'complete-the-look', 'cart', 'trending', 'bestsellers', 'recently-viewed', 'email-picks'] as const

function AttributionSection({ preset, setPreset, report }: { preset: Preset; setPreset(p: Preset): void; report: UseQueryResult<Report> }) {
  const [measure, setMeasure] = useState<Measure>('revenue')
  const chosen = MEASURES.find((m) => m.value === measure)!
  return (
    <Section
      title="Attribution per strategy and day"
      actions={
        <div className="row">
          <RangePicker value={preset} onChange={setPreset} label="Report range" />
          <SelectField label="Chart shows" value={measure} onChange={(e) => setMeasure(e.target.value as Measure)} options={MEASURES.map((m) => ({ value: m.value, label: m.label }))} />
        </div>
      }
    >
      <QueryView query={report} what="the attribution report">
        {(data) => {
          const days = data.days ?? []
          const total = (f: (r: Row) => number) => data.strategies.reduce((a, r) => a + f(r), 0)
          const shown = total((r) => r.impressions)
          const clicks = total((r) => r.clicks)
          if (data.strategies.length === 0)
            return (
              <Empty title="No recommendations were served in this range.">
                <p>Impressions are recorded for every answered POST /v1/recommendations; build a page in the playground below, or pick a longer range.</p>
              </Empty>
            )
          return (
            <>
              <Stats>
                <Stat label="Items shown" value={formatInteger(shown)} />
                <Stat label="Clicks" value={formatInteger(clicks)} detail={`CTR ${formatPercent(shown > 0 ? clicks / shown : 0)}`} />
                <Stat label="Attributed orders" value={formatInteger(total((r) => r.orders))} detail="an order with lines from two strategies counts for both" />
                <Stat label="Attributed revenue" value={formatMoney(total((r) => r.revenue))} />
              </Stats>
              <TimeChart
                days="local"
                title={`${chosen.label} per strategy and day`}
                times={days.map((d) => Date.parse(d.start))}
                series={data.strategies.map((s) => ({ label: s.strategy, values: days.map((d) => d.strategies.find((r) => r.strategy === s.strategy)?.[measure] ?? 0) }))}
                valueFormat={measure === 'revenue' ? formatNumber : chosen.format}
              />
              <h3>Per strategy</h3>
              <DataTable
                caption="Attribution per strategy"
                rows={data.strategies}
                rowKey={(r) => r.strategy}
                columns={[
                  { header: 'Strategy', cell: (r) => r.strategy },
                  { header: 'Items shown', numeric: true, cell: (r) => formatInteger(r.impressions) },
                  { header: 'Clicks', numeric: true, cell: (r) => formatInteger(r.clicks) },
                  { header: 'CTR', numeric: true, cell: (r) => formatPercent(r.ctr) },
                  { header: 'Orders', numeric: true, cell: (r) => formatInteger(r.orders) },
                  { header: 'Conversion', numeric: true, cell: (r) => formatPercent(r.conversionRate) },
                  { header: 'Revenue', numeric: true, cell: (r) => formatMoney(r.revenue) },
                ]}
              />
              <h3>
                {chosen.label} per day ({data.tz})
              </h3>
              <DataTable
                caption={`${chosen.label} per day and strategy`}
                rows={days}
                rowKey={(d) => d.day}
                columns={[
                  { header: 'Day', cell: (d) => <time dateTime={d.day}>{formatDate(d.start)}</time> },
                  ...data.strategies.map((s) => ({
                    header: s.strategy,
                    numeric: true,
                    cell: (d: (typeof days)[number]) => {
                      const row = d.strategies.find((r) => r.strategy === s.strategy)
                      return row ? chosen.format(row[measure]) : '—'
                    },
                  })),
                ]}
              />
            </>
          )
        }}
      </QueryView>
    </Section>
  )
}

interface Draft {
  key: number
  strategy: (typeof STRATEGIES)[number]
  count: string
  itemId: string
  category: string
  inStock: boolean
  excludeBought: boolean
  brands: string
  maxPrice: string
  pin: string
  maxPerBrand: string
  boostBrand: string
}

let nextKey = 1
const newDraft = (strategy: Draft['strategy'] = 'for-you'): Draft => ({
  key: nextKey++,
  strategy,
  count: '4',
  itemId: '',
  category: '',
  inStock: true,
  excludeBought: true,
  brands: '',
  maxPrice: '',
  pin: '',
  maxPerBrand: '',
  boostBrand: '',
})

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

/** The request body of a draft page (fields left empty are left out). */
function requestOf(userId: string, anonymousId: string, drafts: readonly Draft[]) {
  return {
    // A preview: the engine answers as it would a shop page, and records no impression.
    preview: true,
    ...(userId.trim() && { userId: userId.trim() }),
    ...(anonymousId.trim() && { anonymousId: anonymousId.trim() }),
    placements: drafts.map((d, i) => {
      const filters = {
        ...(!d.inStock && { inStock: false }),
        ...(!d.excludeBought && { excludeBought: false }),
        ...(list(d.brands).length > 0 && { brands: list(d.brands) }),
        ...(d.maxPrice.trim() !== '' && { maxPrice: Number(d.maxPrice) }),
      }
      const rules = {
        ...(list(d.pin).length > 0 && { pin: list(d.pin) }),
        ...(d.maxPerBrand.trim() !== '' && { maxPerBrand: Number(d.maxPerBrand) }),
        ...(d.boostBrand.trim() !== '' && { boost: [{ attribute: 'brand', value: d.boostBrand.trim(), factor: 2 }] }),
      }
      return {
        id: `playground-${i + 1}`,
        strategy: d.strategy,
        count: Number(d.count),
        // A cart's placement names the cart's items; any other the page's one item.
        ...(d.strategy === 'cart' ? list(d.itemId).length > 0 && { itemIds: list(d.itemId) } : d.itemId.trim() && { itemId: d.itemId.trim() }),
        ...(d.category.trim() && { category: d.category.trim() }),
        ...(Object.keys(filters).length > 0 && { filters }),
        ...(Object.keys(rules).length > 0 && { rules }),
      }
    }),
  }
}

function PlacementEditor({ draft, index, onChange, onRemove, removable }: { draft: Draft; index: number; onChange(d: Draft): void; onRemove(): void; removable: boolean }) {
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => onChange({ ...draft, [key]: value })
  const n = index + 1
  return (
    <fieldset className="card">
      <legend>Placement {n}</legend>
      <div className="row">
        <SelectField label={`Strategy of placement ${n}`} value={draft.strategy} onChange={(e) => set('strategy', e.target.value as Draft['strategy'])} options={[...STRATEGIES]} />
        <TextField label={`Items in placement ${n}`} type="number" min={1} max={50} required value={draft.count} onChange={(e) => set('count', e.target.value)} />
        <TextField label={`Page item of placement ${n}`} hint={draft.strategy === 'cart' ? "The cart's item ids, comma-separated" : 'Item id of a product page'} value={draft.itemId} onChange={(e) => set('itemId', e.target.value)} />
        <TextField label={`Category of placement ${n}`} hint="e.g. Shoes > Running" value={draft.category} onChange={(e) => set('category', e.target.value)} />
      </div>
      <details>
        <summary>Filters and rules of placement {n}</summary>
        <div className="row">
          <CheckboxField label={`Only items in stock (placement ${n})`} checked={draft.inStock} onChange={(e) => set('inStock', e.target.checked)} />
          <CheckboxField label={`Leave out items the person bought (placement ${n})`} checked={draft.excludeBought} onChange={(e) => set('excludeBought', e.target.checked)} />
        </div>
        <div className="row">
          <TextField label={`Only brands (placement ${n})`} hint="Comma-separated" value={draft.brands} onChange={(e) => set('brands', e.target.value)} />
          <TextField label={`Highest price (placement ${n})`} type="number" min={0} step="any" value={draft.maxPrice} onChange={(e) => set('maxPrice', e.target.value)} />
          <TextField label={`Pinned items (placement ${n})`} hint="Item ids shown first, comma-separated" value={draft.pin} onChange={(e) => set('pin', e.target.value)} />
          <TextField label={`At most per brand (placement ${n})`} type="number" min={1} value={draft.maxPerBrand} onChange={(e) => set('maxPerBrand', e.target.value)} />
          <TextField label={`Boost brand (placement ${n})`} hint="Doubles its items' scores" value={draft.boostBrand} onChange={(e) => set('boostBrand', e.target.value)} />
        </div>
      </details>
      {removable && (
        <div>
          <Button variant="secondary" onClick={onRemove}>
            Remove placement {n}
          </Button>
        </div>
      )}
    </fieldset>
  )
}

/** Only links and pictures a shopper's browser would follow: the shop's own paths and http(s). */
const safeUrl = (url: string | null | undefined) => (url && (/^https?:\/\//i.test(url) || (url.startsWith('/') && !url.startsWith('//'))) ? url : null)

function ItemCard({ item }: { item: RecommendedItem }) {
  const image = safeUrl(item.imageUrl)
  const link = safeUrl(item.url)
  const title = item.title ?? item.id
  const price = item.price === null ? null : item.currency ? new Intl.NumberFormat(undefined, { style: 'currency', currency: item.currency }).format(item.price) : formatMoney(item.price)
  return (
    <li className="item-card">
      {image ? <img src={image} alt={title} loading="lazy" /> : <div className="hint">No picture</div>}
      <strong>{link ? <a href={link}>{title}</a> : title}</strong>
      {item.brand && <span className="hint">{item.brand}</span>}
      <span className="price">{price ?? 'No price'}</span>
      <span className="hint">{item.reason}</span>
      <small className="hint">
        {item.id} · score {formatNumber(item.score)}
      </small>
    </li>
  )
}

function PlacementView({ placement, index }: { placement: PlacementAnswer; index: number }) {
  return (
    <section className="card" aria-label={`Answer for placement ${index + 1}`}>
      <h3>
        Placement {index + 1}: {placement.strategy}
      </h3>
      <p className="hint">
        Served by {placement.servedBy.length > 0 ? placement.servedBy.join(', ') : 'nothing'}
        {placement.partial ? ' (partial: fewer items than asked passed the filters)' : ''}
        {placement.note ? `. ${placement.note}` : ''}
      </p>
      {placement.items.length === 0 ? (
        <Empty title="No items for this placement.">
          <p>Loosen its filters, give it a page item or category, or pick another strategy.</p>
        </Empty>
      ) : (
        <ul className="item-cards">
          {placement.items.map((item) => (
            <ItemCard key={item.id} item={item} />
          ))}
        </ul>
      )}
    </section>
  )
}

function Playground() {
  const [userId, setUserId] = useState('')
  const [anonymousId, setAnonymousId] = useState('')
  const [drafts, setDrafts] = useState<Draft[]>(() => [newDraft('for-you'), newDraft('trending')])
  const ask = useMutation({ mutationFn: (body: ReturnType<typeof requestOf>) => api.post<RecommendationAnswer>('/v1/recommendations', body) })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    ask.mutate(requestOf(userId, anonymousId, drafts))
  }
  const answer = ask.data
  return (
    <Section title="Playground">
      <p className="hint">Build a page of placements and see what a shopper would get. Leave the person empty for a visitor the engine does not know.</p>
      <form onSubmit={submit} className="playground" aria-label="Recommendation playground">
        <div className="row">
          <TextField label="User id" hint="A signed-in shopper, e.g. from the People page" value={userId} onChange={(e) => setUserId(e.target.value)} />
          <TextField label="Anonymous id" hint="A visitor's cookie id" value={anonymousId} onChange={(e) => setAnonymousId(e.target.value)} />
        </div>
        {drafts.map((d, i) => (
          <PlacementEditor
            key={d.key}
            draft={d}
            index={i}
            removable={drafts.length > 1}
            onChange={(next) => setDrafts(drafts.map((x) => (x.key === d.key ? next : x)))}
            onRemove={() => setDrafts(drafts.filter((x) => x.key !== d.key))}
          />
        ))}
        <div className="row">
          <Button variant="secondary" onClick={() => setDrafts([...drafts, newDraft('bestsellers')])} disabled={drafts.length >= 10}>
            Add a placement
          </Button>
          <Button type="submit" busy={ask.isPending}>
            Show recommendations
          </Button>
        </div>
      </form>
      {ask.isError && <ErrorNote error={ask.error} />}
      {answer && (
        <div className="playground-answer" data-testid="playground-answer">
          <p role="status">
            The answer: {answer.placements.length} placements, {answer.placements.reduce((n, p) => n + p.items.length, 0)} items.
          </p>
          <p>
            {answer.personalized ? 'Personalized' : 'Not personalized'}
            {answer.note ? `: ${answer.note}` : ''} · model {answer.modelVersion ?? 'none'} · recommId <code>{answer.recommId}</code>
          </p>
          {answer.placements.map((p, i) => (
            <PlacementView key={`${answer.recommId}-${i}`} placement={p} index={i} />
          ))}
        </div>
      )}
    </Section>
  )
}

export function RecommendationsPage() {
  const { preset, setPreset } = useRange('7d')
  const report = useQuery({
    queryKey: ['recommendations-report', preset, viewerTimeZone],
    queryFn: () => {
      const range = presetRange(preset)
      return api.get<Report>(`/v1/reports/recommendations${query({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), by: 'day', tz: viewerTimeZone })}`)
    },
  })
  return (
    <Page title="Recommendations" ready={report.data !== undefined || report.isError}>
      <AttributionSection preset={preset} setPreset={setPreset} report={report} />
      <Playground />
    </Page>
  )
}
