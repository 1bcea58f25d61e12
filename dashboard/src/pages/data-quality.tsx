/**
 * Data quality: personalization is only as good as its data. The report of GET /v1/reports/data-quality,
 * each figure with one line saying what it means and what to do about it.
 */
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { api, query } from '../api.ts'
import { TimeChart } from '../components/chart.tsx'
import { DataTable } from '../components/data-table.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { RangePicker, useRange } from '../components/range-picker.tsx'
import { Empty, QueryView } from '../components/states.tsx'
import { formatInteger, formatNumber, formatPercent, formatTime } from '../format.ts'
import type { DataQualityReport } from '../../../src/server/api-types.ts'

function Share({ value, label }: { value: number | null; label: string }) {
  if (value === null) return <>—</>
  return (
    <span className="share">
      <meter min={0} max={1} value={value} aria-label={label} /> {formatPercent(value)}
    </span>
  )
}

function Identity({ r }: { r: DataQualityReport['identity'] }) {
  return (
    <Section title="Identity fragmentation">
      <Stats>
        <Stat label="People" value={formatInteger(r.people)} detail="Canonical people after stitching identifiers together." />
        <Stat
          label="Several anonymous ids, no user id"
          value={formatInteger(r.anonymousOnlyMultiple)}
          detail={`${formatPercent(r.anonymousOnlyMultipleShare)} of people: one visitor seen in several browsers whom no sign-in ties to an account yet.`}
        />
        <Stat
          label="Stitched across devices"
          value={formatPercent(r.stitchingRate)}
          detail={`${formatInteger(r.multiDevice)} of ${formatInteger(r.withUserId)} people with a user id have two or more anonymous ids. Send identify on sign-in in every app to raise it.`}
        />
        <Stat
          label="Anonymous ids tied to an account"
          value={formatPercent(r.anonymousIdsStitchedShare)}
          detail={`${formatInteger(r.anonymousIdsStitched)} of ${formatInteger(r.anonymousIds)} anonymous ids belong to someone with a user id.`}
        />
        <Stat label="Merges" value={formatInteger(r.merges)} detail={`People joined when an event named ids of both; ${formatInteger(r.undoneMerges)} undone by staff.`} />
        <Stat
          label="Refused merges"
          value={formatInteger(r.refusedMerges)}
          detail="Merges the identity rules refused (e.g. two accounts sharing an email): check the people involved if this grows."
        />
        <Stat label="Shared-device moves" value={formatInteger(r.reassigned)} detail="Device ids moved to the person who signed in on them last." />
      </Stats>
    </Section>
  )
}

function Catalogue({ r }: { r: DataQualityReport['catalog'] }) {
  return (
    <Section title="Catalogue coverage">
      <Stats>
        <Stat label="Items" value={formatInteger(r.items)} detail="Items in the catalogue." />
        <Stat label="Without a category" value={formatInteger(r.withoutCategory)} detail={`${formatPercent(r.withoutCategoryShare)}: they get no category affinity and no same-category fallback.`} />
        <Stat label="Without a price" value={formatInteger(r.withoutPrice)} detail={`${formatPercent(r.withoutPriceShare)}: price filters and rules skip them.`} />
        <Stat label="Without an image" value={formatInteger(r.withoutImage)} detail={`${formatPercent(r.withoutImageShare)}: carousels show them without a picture.`} />
        <Stat
          label="Events naming unknown items"
          value={formatInteger(r.eventsNamingUnknownItems)}
          detail={`${formatPercent(r.eventsNamingUnknownItemsShare)} of the ${formatInteger(r.eventsNamingItems)} events that name an item: add these ${formatInteger(r.unknownItems)} items to the catalogue, or fix the ids the shop sends.`}
        />
      </Stats>
      <h3>Unknown items named most often</h3>
      <DataTable
        caption="Unknown items named most often"
        rows={r.topUnknownItems}
        rowKey={(x) => x.itemId}
        empty={<Empty title="Every event names an item the catalogue has.">Nothing to fix here.</Empty>}
        columns={[
          { header: 'Item id', cell: (x) => <code>{x.itemId}</code> },
          { header: 'Events', numeric: true, cell: (x) => formatInteger(x.events) },
        ]}
      />
    </Section>
  )
}

function Sparsity({ r }: { r: DataQualityReport['sparsity'] }) {
  return (
    <Section title="Sparsity: events per person">
      <p className="hint">
        {formatInteger(r.people)} people with {formatInteger(r.events)} events, {formatNumber(r.meanEventsPerPerson)} each on average. People with one or two events get mostly
        non-personal answers (bestsellers, trending).
      </p>
      <DataTable
        caption="People by number of events"
        rows={r.buckets}
        rowKey={(b) => b.label}
        columns={[
          { header: 'Events', cell: (b) => b.label },
          { header: 'People', numeric: true, cell: (b) => formatInteger(b.people) },
          { header: 'Share of people', cell: (b) => <Share value={b.share} label={`Share of people with ${b.label} events`} /> },
        ]}
      />
    </Section>
  )
}

function Fallback({ rows }: { rows: DataQualityReport['fallback'] }) {
  return (
    <Section title="Answers served by fallback levels">
      <p className="hint">
        Per strategy, the recommendation placements of the range: answered by the strategy's own level alone, or widened to fallback levels (content similarity, categories, global
        rankings) because its own evidence was thin.
      </p>
      <DataTable
        caption="Fallback shares per strategy"
        rows={rows}
        rowKey={(f) => f.strategy}
        empty={<Empty title="No recommendations were served in this range.">Pick a longer range, or call POST /v1/recommendations (the demo shop does).</Empty>}
        columns={[
          { header: 'Strategy', cell: (f) => f.strategy },
          { header: 'Placements', numeric: true, cell: (f) => formatInteger(f.answers) },
          { header: 'Own level only', numeric: true, cell: (f) => `${formatInteger(f.ownLevelOnly)}${f.ownLevel ? ` (${f.ownLevel})` : ''}` },
          { header: 'Used a fallback', cell: (f) => <Share value={f.fallbackShare} label={`Share of ${f.strategy} placements that used a fallback`} /> },
          { header: 'Empty', numeric: true, cell: (f) => formatInteger(f.empty) },
          { header: 'Levels that supplied items', cell: (f) => (f.levels.length === 0 ? '—' : f.levels.map((l) => `${l.level} ${formatPercent(l.share)}`).join(', ')) },
        ]}
      />
      {rows.some((f) => f.unrecorded > 0) && <p className="hint">Some placements were served before the engine recorded their levels; they count in Placements only.</p>}
    </Section>
  )
}

function Consent({ r }: { r: DataQualityReport['consent'] }) {
  return (
    <Section title="Consent coverage">
      <p className="hint">Of {formatInteger(r.people)} people: who granted or refused each purpose, and who never said (the engine's default applies to them).</p>
      <DataTable
        caption="Consent per purpose"
        rows={r.purposes}
        rowKey={(p) => p.purpose}
        columns={[
          { header: 'Purpose', cell: (p) => p.purpose },
          { header: 'Granted', numeric: true, cell: (p) => `${formatInteger(p.granted)} (${formatPercent(p.grantedShare)})` },
          { header: 'Refused', numeric: true, cell: (p) => `${formatInteger(p.denied)} (${formatPercent(p.deniedShare)})` },
          { header: 'Never stated', numeric: true, cell: (p) => `${formatInteger(p.unset)} (${formatPercent(p.unsetShare)})` },
          { header: 'Default', cell: (p) => (p.default === null ? 'none (refused)' : p.default ? 'granted' : 'refused') },
          { header: 'In effect: granted', cell: (p) => <Share value={p.effectiveGrantedShare} label={`Share of people for whom ${p.purpose} is granted`} /> },
        ]}
      />
    </Section>
  )
}

function Rejected({ r }: { r: DataQualityReport['rejected'] }) {
  const times = r.days.map((d) => Date.parse(`${d.day}T00:00:00Z`))
  const codes = r.byCode.map((c) => c.code)
  const series = codes.map((code) => ({ label: code, values: r.days.map((d) => d.byCode[code] ?? 0) }))
  return (
    <Section title="Rejected events by code">
      <p className="hint">
        {formatInteger(r.total)} events refused in the range, per UTC day. Open <Link to="/events">Live events</Link>, tab "Rejected events", to see each one with its field.
      </p>
      {r.total === 0 ? (
        <Empty title="No events were rejected in this range.">Everything sent with a valid key passed the checks.</Empty>
      ) : (
        <>
          <TimeChart title="Rejected events per day" times={times} series={series} valueFormat={formatInteger} />
          <DataTable
            caption="Rejected events per code"
            rows={r.byCode}
            rowKey={(c) => c.code}
            columns={[
              { header: 'Code', cell: (c) => <code>{c.code}</code> },
              { header: 'Events', numeric: true, cell: (c) => formatInteger(c.count) },
            ]}
          />
        </>
      )}
    </Section>
  )
}

export function DataQualityPage() {
  const { preset, setPreset, range } = useRange('30d')
  const report = useQuery({
    queryKey: ['data-quality', preset],
    queryFn: () => {
      const { from, to } = range()
      return api.get<DataQualityReport>(`/v1/reports/data-quality${query({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`)
    },
  })
  return (
    <Page
      title="Data quality"
      ready={report.data !== undefined || report.isError}
      actions={<RangePicker value={preset} onChange={setPreset} label="Range (fallbacks and rejected events)" />}
    >
      <QueryView query={report} what="the data-quality report">
        {(r) => (
          <>
            <p className="hint">
              Identity, catalogue, sparsity and consent as they are now (computed {formatTime(r.generatedAt)}); fallbacks and rejected events from {formatTime(r.from)} to {formatTime(r.to)}.
            </p>
            <Identity r={r.identity} />
            <Catalogue r={r.catalog} />
            <Sparsity r={r.sparsity} />
            <Consent r={r.consent} />
            <Fallback rows={r.fallback} />
            <Rejected r={r.rejected} />
          </>
        )}
      </QueryView>
    </Page>
  )
}
