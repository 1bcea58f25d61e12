/**
 * Time-series chart on uPlot. Series are told apart by name in the legend and by dash pattern, not by colour
 * alone; the chart's figures are also given as a table for screen readers and keyboard users ("Show as table").
 */
import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { formatDate, formatNumber, formatTime } from '../format.ts'
import { DataTable } from './data-table.tsx'

export interface Series {
  label: string
  /** One value per time (null: no value). */
  values: readonly (number | null)[]
}

const tickDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const tickTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const tickUtcDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' })

function tickLabel(ms: number, spanMs: number, days: false | 'local' | 'utc'): string {
  if (days === 'utc') return tickUtcDay.format(ms)
  if (days === 'local' || spanMs > 2 * 24 * 3600_000) return tickDay.format(ms)
  return tickTime.format(ms)
}

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7ea4', '#cf222e', '#57606a']
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 2], [10, 4, 2, 4], [1, 3], [8, 8], [4, 1], [12, 2]]

export function TimeChart({
  title,
  times,
  series,
  height = 240,
  valueFormat = formatNumber,
  days = false,
}: {
  title: string
  times: readonly number[]
  series: readonly Series[]
  height?: number
  valueFormat?: (n: number) => string
  /** The times are days of a daily report, local or UTC: show dates, not times of day. */
  days?: false | 'local' | 'utc'
}) {
  const timeFormat = days ? (t: number) => formatDate(t, days === 'utc') : formatTime
  const box = useRef<HTMLDivElement>(null)
  const [asTable, setAsTable] = useState(false)
  useEffect(() => {
    const element = box.current
    if (!element || asTable) return
    const width = Math.max(320, element.clientWidth)
    const spanMs = times.length > 1 ? times[times.length - 1]! - times[0]! : 0
    const plot = new uPlot(
      {
        width,
        height,
        title: undefined,
        scales: { x: { time: true } },
        series: [
          { label: days ? 'Day' : 'Time', value: (_u, v) => (v === null ? '—' : timeFormat(v * 1000)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            dash: DASHES[i % DASHES.length],
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : valueFormat(v)),
            points: { show: times.length < 60 },
          })),
        ],
        // Ticks in the viewer's locale and zone (uPlot's own labels are US-style): dates for long spans, times for short.
        axes: [{ values: (_u, ticks) => ticks.map((t) => tickLabel(t * 1000, spanMs, days)) }, { values: (_u, ticks) => ticks.map((t) => valueFormat(t)) }],
      },
      [times.map((t) => t / 1000), ...series.map((s) => s.values.map((v) => v ?? null))] as uPlot.AlignedData,
      element,
    )
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, element.clientWidth), height }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [times, series, height, asTable, valueFormat, days])
  const rows = times.map((t, i) => ({ t, i }))
  return (
    <figure className="chart">
      <figcaption>
        <span>{title}</span>
        <button type="button" className="button secondary small" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Show as chart' : 'Show as table'}
        </button>
      </figcaption>
      {asTable ? (
        <DataTable
          caption={title}
          rows={rows}
          rowKey={(r) => String(r.t)}
          columns={[{ header: days ? 'Day' : 'Time', cell: (r) => timeFormat(r.t) }, ...series.map((s) => ({ header: s.label, numeric: true, cell: (r: { t: number; i: number }) => (s.values[r.i] == null ? '—' : valueFormat(s.values[r.i]!)) }))]}
        />
      ) : (
        <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(', ')} over time. Use "Show as table" for the figures.`} />
      )}
    </figure>
  )
}
