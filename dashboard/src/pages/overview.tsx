/**
 * Overview: the shop at a glance. Events per minute over the last hour, refreshed every few seconds (no
 * reload); then, over the chosen range, active people, orders and revenue, and what recommendations showed,
 * how often they were clicked (CTR) and the revenue credited to each strategy, from GET /v1/reports/overview
 * in the viewer's time zone.
 */
import { type UseQueryResult, useQuery } from '@tanstack/react-query'
import { memo } from 'react'
import type { OverviewBucket, OverviewReply, StrategyNumbers } from '../../../src/server/api-types.ts'
import { api, query } from '../api.ts'
import { type Series, TimeChart } from '../components/chart.tsx'
import { DataTable } from '../components/data-table.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { presetRange, RangePicker, useRange } from '../components/range-picker.tsx'
import { Empty, QueryView } from '../components/states.tsx'
import { formatInteger, formatMoney, formatNumber, formatPercent, formatTime, viewerTimeZone } from '../format.ts'

/** How often the live figures ask again. */
const LIVE_MS = 5_000
/** The live hour ends a little after now, so events acknowledged just now are in it. */
const LIVE_LEAD_MS = 1_000

function overviewPath(from: number, to: number, bucket: 'minute' | 'hour' | 'day') {
  return `/v1/reports/overview${query({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket, tz: viewerTimeZone })}`
}

const times = (buckets: readonly OverviewBucket[]) => buckets.map((b) => Date.parse(b.start))

/** One series per strategy (every strategy of the totals), zero where it had nothing in a bucket. */
function perStrategy(report: OverviewReply, value: (s: StrategyNumbers) => number): Series[] {
  return report.totals.strategies.map((total) => ({
    label: total.strategy,
    values: report.buckets.map((b) => {
      const row = b.strategies.find((s) => s.strategy === total.strategy)
      return row ? value(row) : 0
    }),
  }))
}

function LiveEvents({ live }: { live: UseQueryResult<OverviewReply> }) {
  return (
    <Section title="Events per minute (live)">
      <QueryView query={live} what="the last hour">
        {(report) => {
          // The minute that holds "now", not the last bucket: in a minute's last second the lead puts the next
          // (empty) minute at the end.
          const now = Date.parse(report.to) - LIVE_LEAD_MS
          const current = report.buckets.find((b) => Date.parse(b.start) <= now && now < Date.parse(b.end))
          return (
            <>
              <Stats>
                <Stat label="Events, last 60 minutes" value={<span data-testid="live-events-hour">{formatInteger(report.totals.events)}</span>} />
                <Stat label="Events this minute" value={<span data-testid="live-events-minute">{formatInteger(current?.events ?? 0)}</span>} />
                <Stat label="Active people, last 60 minutes" value={formatInteger(report.totals.people)} />
              </Stats>
              <p className="hint" role="status" aria-live="off">
                Updated {formatTime(report.to)}; refreshes every {LIVE_MS / 1000} seconds.
              </p>
              <TimeChart title="Events per minute" times={times(report.buckets)} series={[{ label: 'Events', values: report.buckets.map((b) => b.events) }]} height={180} />
            </>
          )
        }}
      </QueryView>
    </Section>
  )
}

function StrategyTable({ rows }: { rows: readonly StrategyNumbers[] }) {
  return (
    <DataTable
      caption="Recommendations per strategy"
      rows={rows}
      rowKey={(r) => r.strategy}
      empty={<p>No strategy showed anything in this range.</p>}
      columns={[
        { header: 'Strategy', cell: (r) => r.strategy },
        { header: 'Placements', numeric: true, cell: (r) => formatInteger(r.placements) },
        { header: 'Items shown', numeric: true, cell: (r) => formatInteger(r.impressions) },
        { header: 'Clicks', numeric: true, cell: (r) => formatInteger(r.clicks) },
        { header: 'CTR', numeric: true, cell: (r) => formatPercent(r.ctr) },
        { header: 'Orders', numeric: true, cell: (r) => formatInteger(r.orders) },
        { header: 'Attributed revenue', numeric: true, cell: (r) => formatMoney(r.revenue) },
      ]}
    />
  )
}

function RangeReport({ report }: { report: UseQueryResult<OverviewReply> }) {
  return (
    <QueryView query={report} what="the overview">
      {(data) => <RangeBody data={data} />}
    </QueryView>
  )
}

/**
 * Memoised on the reply (TanStack Query keeps its reference while the data is unchanged), so the live
 * figures' refresh every few seconds does not redraw these charts.
 */
const RangeBody = memo(function RangeBody({ data }: { data: OverviewReply }) {
  const t = data.totals
  const at = times(data.buckets)
  // Day buckets are local days of the viewer's zone: their charts show dates.
  const day = data.bucket === 'day' ? ('local' as const) : false
  return (
    <>
      <Stats>
        <Stat label="Events" value={formatInteger(t.events)} />
        <Stat label="Active people" value={formatInteger(t.people)} detail="distinct, stitched across devices" />
        <Stat label="Orders" value={formatInteger(t.orders)} />
        <Stat label="Revenue" value={formatMoney(t.revenue)} />
        <Stat label="Recommended items shown" value={formatInteger(t.impressions)} detail={`in ${formatInteger(t.placements)} placements`} />
        <Stat label="Recommendation CTR" value={formatPercent(t.ctr)} detail={`${formatInteger(t.clicks)} clicks`} />
        <Stat label="Attributed revenue" value={formatMoney(t.attributedRevenue)} />
      </Stats>
      <p className="hint">
        {data.buckets.length} {data.bucket} buckets in {data.tz}, {formatTime(data.from)} to {formatTime(data.to)}.
      </p>
      <Section title="Shop activity">
        {t.events === 0 ? (
          <Empty title="No events in this range.">
            <p>Send events with the SDK or POST /v1/batch (see Live events), or pick a longer range.</p>
          </Empty>
        ) : (
          <>
            <TimeChart days={day} title="Events and active people" times={at} series={[{ label: 'Events', values: data.buckets.map((b) => b.events) }, { label: 'Active people', values: data.buckets.map((b) => b.people) }]} />
            <TimeChart days={day} title="Orders" times={at} series={[{ label: 'Orders', values: data.buckets.map((b) => b.orders) }]} />
            <TimeChart days={day} title="Revenue" times={at} series={[{ label: 'Revenue', values: data.buckets.map((b) => b.revenue) }, { label: 'Attributed to recommendations', values: data.buckets.map((b) => b.attributedRevenue) }]} valueFormat={formatNumber} />
          </>
        )}
      </Section>
      <Section title="Recommendations">
        {t.placements === 0 && t.clicks === 0 ? (
          <Empty title="No recommendations were served in this range.">
            <p>They appear here once pages ask POST /v1/recommendations (the SDK's carousels do); try the playground on the Recommendations page, or pick a longer range.</p>
          </Empty>
        ) : (
          <>
            <TimeChart days={day} title="Recommended items shown per strategy" times={at} series={perStrategy(data, (s) => s.impressions)} />
            <TimeChart days={day} title="CTR per strategy" times={at} series={perStrategy(data, (s) => s.ctr)} valueFormat={formatPercent} />
            <TimeChart days={day} title="Attributed revenue per strategy" times={at} series={perStrategy(data, (s) => s.revenue)} valueFormat={formatNumber} />
            <StrategyTable rows={t.strategies} />
          </>
        )}
      </Section>
    </>
  )
})

export function OverviewPage() {
  const { preset, setPreset } = useRange('7d')
  const live = useQuery({
    queryKey: ['overview', 'live', viewerTimeZone],
    queryFn: () => {
      const now = Date.now()
      return api.get<OverviewReply>(overviewPath(now - 3600_000, now + LIVE_LEAD_MS, 'minute'))
    },
    refetchInterval: LIVE_MS,
    staleTime: 0,
  })
  const report = useQuery({
    queryKey: ['overview', 'range', preset, viewerTimeZone],
    queryFn: () => {
      const range = presetRange(preset)
      return api.get<OverviewReply>(overviewPath(range.from, range.to, range.bucket))
    },
    refetchInterval: 60_000,
  })
  const ready = (live.data !== undefined || live.isError) && (report.data !== undefined || report.isError)
  return (
    <Page title="Overview" ready={ready} actions={<RangePicker value={preset} onChange={setPreset} />}>
      <LiveEvents live={live} />
      <RangeReport report={report} />
    </Page>
  )
}
