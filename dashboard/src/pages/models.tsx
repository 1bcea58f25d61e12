/**
 * Models: the trained versions with their status, their offline metrics against the bestsellers baseline
 * (chart over versions and a table for one version), the lifetime-value fit of the active version, a run's
 * progress live while it trains, Train now, and activating a version (rolling back to an older one).
 * Changes are for editors and admins.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import type { ClvSummary, ModelMetricValues, ModelsReply, ModelVersionView } from '../../../src/server/api-types.ts'
import { api } from '../api.ts'
import { TimeChart } from '../components/chart.tsx'
import { type Column, DataTable } from '../components/data-table.tsx'
import { Button, SelectField } from '../components/form.tsx'
import { Page, Section, Stat, Stats } from '../components/page.tsx'
import { Empty, ErrorNote, Loading } from '../components/states.tsx'
import { formatInteger, formatNumber, formatPercent, formatTime } from '../format.ts'
import { useSession } from '../session.tsx'

/** The lines compared with bestsellers, as the metrics name them. */
const STRATEGIES: readonly { key: string; label: string }[] = [
  { key: 'blend', label: 'For you' },
  { key: 'also-bought', label: 'Also bought' },
  { key: 'also-viewed', label: 'Also viewed' },
  { key: 'similar', label: 'Similar' },
  { key: 'complete-the-look', label: 'Complete the look' },
]
const METRICS: readonly { key: keyof ModelMetricValues; label: string }[] = [
  { key: 'ndcg', label: 'NDCG' },
  { key: 'recall', label: 'Recall' },
  { key: 'hitrate', label: 'Hit rate' },
  { key: 'precision', label: 'Precision' },
  { key: 'coverage', label: 'Coverage' },
]

function seconds(n: number | null): string {
  if (n === null) return '—'
  return n < 90 ? `${formatNumber(n)} s` : `${formatNumber(n / 60)} min`
}

function StatusBadge({ version }: { version: ModelVersionView }) {
  if (version.status === 'training') return <span className="badge">Training {formatPercent(version.progress)}</span>
  if (version.status === 'failed') return <span className="badge bad">Failed</span>
  return <span className="badge ok">Ready</span>
}

export function ModelsPage() {
  const { can } = useSession()
  const editor = can('editor')
  const client = useQueryClient()
  const models = useQuery({
    queryKey: ['models'],
    queryFn: () => api.get<ModelsReply>('/v1/models?limit=50'),
    // Live while a run trains; otherwise now and then (a scheduled run may start).
    refetchInterval: (q) => (q.state.data?.data.some((v) => v.status === 'training') ? 1000 : 15_000),
  })
  const refresh = (reply?: ModelVersionView) => {
    if (reply) client.setQueryData<ModelsReply>(['models'], (old) => (old ? { ...old, data: old.data.some((v) => v.id === reply.id) ? old.data.map((v) => (v.id === reply.id ? reply : v)) : [reply, ...old.data] } : old))
    void client.invalidateQueries({ queryKey: ['models'] })
  }
  const train = useMutation({ mutationFn: () => api.post<ModelVersionView>('/v1/models/train'), onSuccess: refresh })
  const activate = useMutation({ mutationFn: (id: string) => api.post<ModelVersionView>(`/v1/models/${encodeURIComponent(id)}/activate`), onSuccess: refresh })
  const data = models.data
  const training = data?.data.find((v) => v.status === 'training') ?? null
  const active = data?.data.find((v) => v.active) ?? null

  return (
    <Page
      title="Models"
      ready={data !== undefined}
      actions={
        editor ? (
          <Button onClick={() => train.mutate()} busy={train.isPending} disabled={training !== null}>
            {training ? 'Training…' : 'Train now'}
          </Button>
        ) : undefined
      }
    >
      {!editor && <p className="hint">Only editors and admins can train and activate versions.</p>}
      {train.isError && <ErrorNote error={train.error} />}
      {activate.isError && <ErrorNote error={activate.error} />}
      {models.isError ? (
        <ErrorNote error={models.error} retry={() => void models.refetch()} />
      ) : !data ? (
        <Loading what="model versions" />
      ) : data.data.length === 0 ? (
        <Empty title="No model is trained yet">
          {editor ? 'Press Train now: the first version trains in the background and is served as soon as it is ready.' : 'Ask an editor to train one, or run npx attune train.'}
        </Empty>
      ) : (
        <>
          <Stats>
            <Stat label="Active version" value={active ? <code>{active.id}</code> : 'none'} detail={active ? `trained ${formatTime(active.finishedAt)}` : 'no version is active'} />
            <Stat label="Served by this node" value={data.serving ? <code>{data.serving}</code> : 'none'} detail={data.serving === data.active ? 'the active one' : 'switching within 10 s'} />
            <Stat
              label="For you vs bestsellers (NDCG)"
              value={active?.metrics?.blend && active.baseline ? `${formatNumber(active.metrics.blend.ndcg / Math.max(active.baseline.ndcg, 1e-9))}×` : '—'}
              detail={active?.baseline ? `${formatNumber(active.metrics?.blend?.ndcg ?? null)} vs ${formatNumber(active.baseline.ndcg)} at ${active.k}` : 'not measured'}
            />
          </Stats>
          {training && <Progress version={training} />}
          <MetricsChart versions={data.data} />
          <MetricsTable versions={data.data} />
          {active && <LifetimeValue version={active} />}
          <Versions versions={data.data} editor={editor} onActivate={(id) => activate.mutate(id)} busy={activate.isPending ? activate.variables : null} />
        </>
      )}
    </Page>
  )
}

function Progress({ version }: { version: ModelVersionView }) {
  const percent = Math.round(version.progress * 100)
  return (
    <Section title="Training now">
      <p>
        Version <code>{version.id}</code>, started {formatTime(version.createdAt)}: <span data-testid="training-stage">{version.stage ?? 'working'}</span>
      </p>
      <progress max={100} value={percent} aria-label={`Training progress of ${version.id}`} aria-valuetext={`${percent} %`} />
      <p role="status" aria-live="polite">
        {percent} % done, last heard from {formatTime(version.heartbeatAt)}
      </p>
    </Section>
  )
}

function MetricsChart({ versions }: { versions: readonly ModelVersionView[] }) {
  const [metric, setMetric] = useState<keyof ModelMetricValues>('ndcg')
  const measured = useMemo(() => versions.filter((v) => v.status === 'ready' && v.metrics && v.baseline).reverse(), [versions])
  const times = useMemo(() => measured.map((v) => Date.parse(v.finishedAt ?? v.createdAt)), [measured])
  const series = useMemo(
    () => [
      ...STRATEGIES.map((s) => ({ label: s.label, values: measured.map((v) => v.metrics?.[s.key]?.[metric] ?? null) })),
      { label: 'Bestsellers (baseline)', values: measured.map((v) => v.baseline?.[metric] ?? null) },
    ],
    [measured, metric],
  )
  const label = METRICS.find((m) => m.key === metric)!.label
  return (
    <Section
      title="Offline metrics against bestsellers"
      actions={<SelectField label="Metric" value={metric} onChange={(e) => setMetric(e.target.value as keyof ModelMetricValues)} options={METRICS.map((m) => ({ value: m.key, label: m.label }))} />}
    >
      {measured.length === 0 ? (
        <Empty title="No version has metrics yet">Metrics need enough history to hold back the last tenth of time for validation.</Empty>
      ) : (
        <>
          <p className="hint">
            {label} at {measured[0]!.k} of each version on its validation split (the last tenth of time), one point per version, by when it was trained.
          </p>
          <TimeChart title={`${label} by version`} times={times} series={series} valueFormat={(n) => formatNumber(n)} />
        </>
      )}
    </Section>
  )
}

function MetricsTable({ versions }: { versions: readonly ModelVersionView[] }) {
  const measured = versions.filter((v) => v.status === 'ready' && v.metrics && v.baseline)
  const [chosen, setChosen] = useState('')
  const version = measured.find((v) => v.id === chosen) ?? measured.find((v) => v.active) ?? measured[0]
  if (!version) return null
  const rows = [...STRATEGIES.map((s) => ({ ...s, values: version.metrics?.[s.key] ?? null })), { key: 'bestsellers', label: 'Bestsellers (baseline)', values: version.baseline }]
  const columns: Column<(typeof rows)[number]>[] = [
    { header: 'Strategy', cell: (r) => r.label },
    ...METRICS.map((m) => ({ header: `${m.label} at ${version.k}`, numeric: true, cell: (r: (typeof rows)[number]) => formatNumber(r.values?.[m.key] ?? null) })),
    {
      header: 'NDCG vs bestsellers',
      numeric: true,
      cell: (r) => (r.key === 'bestsellers' || !r.values || !version.baseline ? '—' : `${formatNumber(r.values.ndcg / Math.max(version.baseline.ndcg, 1e-9))}×`),
    },
  ]
  return (
    <Section
      title="One version's metrics"
      actions={<SelectField label="Version" value={version.id} onChange={(e) => setChosen(e.target.value)} options={measured.map((v) => ({ value: v.id, label: `${v.id}${v.active ? ' (active)' : ''}` }))} />}
    >
      <p className="hint">
        Measured on {formatInteger(version.baseline?.people ?? null)} people. Trained in {seconds(version.timings.totalSeconds)}:{' '}
        {Object.entries(version.timings.stages)
          .map(([stage, s]) => `${stage} ${seconds(s)}`)
          .join(', ')}
        .
      </p>
      <DataTable caption={`Metrics of ${version.id} against bestsellers`} columns={columns} rows={rows} rowKey={(r) => r.key} />
    </Section>
  )
}

const precise = (n: number | null | undefined) => (n === null || n === undefined ? '—' : Number(n.toPrecision(4)).toString())

/** The CLV fit kept in the version's summary (docs/clv.md): parameters, the data behind them, the holdout check. */
function LifetimeValue({ version }: { version: ModelVersionView }) {
  const clv = version.summary.clv as ClvSummary | undefined
  if (!clv) return null
  const v = clv.validation
  const rows = v
    ? [
        { key: 'total', label: 'Repeat orders after the cutoff', actual: formatInteger(v.actual), bgnbd: formatNumber(v.predicted.bgnbd), naive: formatNumber(v.predicted.naive) },
        { key: 'mae', label: 'Mean absolute error per person', actual: '', bgnbd: precise(v.meanAbsoluteError.bgnbd), naive: precise(v.meanAbsoluteError.naive) },
        { key: 'rmse', label: 'Root mean squared error per person', actual: '', bgnbd: precise(v.rootMeanSquaredError.bgnbd), naive: precise(v.rootMeanSquaredError.naive) },
      ]
    : []
  const columns: Column<(typeof rows)[number]>[] = [
    { header: 'Holdout', cell: (r) => r.label },
    { header: 'Actual', numeric: true, cell: (r) => r.actual },
    { header: 'BG/NBD', numeric: true, cell: (r) => r.bgnbd },
    { header: 'Naive (own rate)', numeric: true, cell: (r) => r.naive },
  ]
  const b = clv.bgnbd
  const g = clv.gammaGamma
  return (
    <Section title="Lifetime value">
      <Stats>
        <Stat label="Method" value={clv.method === 'bgnbd' ? 'BG/NBD + Gamma-Gamma' : 'RFM percentiles'} detail={`fitted in ${seconds(clv.fitSeconds)}`} />
        <Stat label="Buyers" value={formatInteger(clv.customers)} detail={`${formatInteger(clv.repeatBuyers)} repeat buyers, ${formatInteger(clv.days)} days of orders`} />
        <Stat label="Spend/frequency correlation" value={precise(clv.spendFrequencyCorrelation)} detail="Gamma-Gamma assumes about 0" />
      </Stats>
      {clv.note && <p className="hint" data-testid="clv-note">{clv.note}</p>}
      {b && (
        <p>
          BG/NBD (time in {clv.unit}): r {precise(b.r)}, α {precise(b.alpha)}, a {precise(b.a)}, b {precise(b.b)}
          {b.converged ? '' : ' (not converged)'}
          {g && `; Gamma-Gamma: p ${precise(g.p)}, q ${precise(g.q)}, v ${precise(g.v)}`}.
        </p>
      )}
      {v && (
        <>
          <p className="hint">
            Fitted before {formatTime(v.cutoff)} and checked on the {formatInteger(v.holdoutDays)} days after it, for {formatInteger(v.people)} people
            {v.method === 'rfm' ? ' (too little data before the cutoff for BG/NBD)' : ''}.
          </p>
          <DataTable caption={`Lifetime-value holdout check of ${version.id}`} columns={columns} rows={rows} rowKey={(r) => r.key} />
        </>
      )}
    </Section>
  )
}

function Versions({ versions, editor, onActivate, busy }: { versions: readonly ModelVersionView[]; editor: boolean; onActivate(id: string): void; busy: string | null | undefined }) {
  const active = versions.find((v) => v.active)
  const columns: Column<ModelVersionView>[] = [
    {
      header: 'Version',
      cell: (v) => (
        <>
          <code>{v.id}</code>
          <div className="hint">
            {v.active ? 'active' : ''}
            {v.active && v.serving ? ', ' : ''}
            {v.serving ? 'served here' : ''}
          </div>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (v) => (
        <>
          <StatusBadge version={v} />
          {v.status === 'training' && <div className="hint">{v.stage}</div>}
          {v.error && (
            <details>
              <summary>Why it failed</summary>
              <pre>{v.error}</pre>
            </details>
          )}
        </>
      ),
    },
    { header: 'Trained because', cell: (v) => (v.reason === 'api' ? 'Train now / API' : v.reason) },
    { header: 'Started', cell: (v) => formatTime(v.createdAt) },
    { header: 'Took', numeric: true, cell: (v) => seconds(v.timings.totalSeconds) },
    { header: 'For you NDCG', numeric: true, cell: (v) => formatNumber(v.metrics?.blend?.ndcg ?? null) },
    { header: 'Bestsellers NDCG', numeric: true, cell: (v) => formatNumber(v.baseline?.ndcg ?? null) },
  ]
  if (editor)
    columns.push({
      header: 'Action',
      cell: (v) => {
        if (v.status !== 'ready' || v.active) return <span className="hint">{v.active ? 'Active' : '—'}</span>
        const older = active !== undefined && v.createdAt < active.createdAt
        return (
          <Button variant="secondary" className="small" busy={busy === v.id} onClick={() => onActivate(v.id)} aria-label={`${older ? 'Roll back to' : 'Activate'} ${v.id}`}>
            {older ? 'Roll back to this' : 'Activate'}
          </Button>
        )
      },
    })
  return (
    <Section title="Versions">
      <DataTable caption="Model versions, newest first" columns={columns} rows={versions} rowKey={(v) => v.id} />
    </Section>
  )
}
