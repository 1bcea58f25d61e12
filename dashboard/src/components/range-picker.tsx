/** The time range of a report: a preset (last hour … last 30 days) or from/to in the viewer's zone. */
import { useState } from 'react'
import { SelectField } from './form.tsx'

export interface Range {
  from: number
  to: number
  /** Suggested bucket for this length. */
  bucket: 'minute' | 'hour' | 'day'
}

const PRESETS = [
  { value: '1h', label: 'Last hour', ms: 3600_000, bucket: 'minute' },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000, bucket: 'hour' },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000, bucket: 'day' },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000, bucket: 'day' },
  { value: '90d', label: 'Last 90 days', ms: 90 * 24 * 3600_000, bucket: 'day' },
] as const

export type Preset = (typeof PRESETS)[number]['value']

/** The range a preset means now (recomputed on each refetch, so "last hour" moves with the clock). */
export function presetRange(preset: Preset, now = Date.now()): Range {
  const found = PRESETS.find((p) => p.value === preset)!
  return { from: now - found.ms, to: now, bucket: found.bucket }
}

export function RangePicker({ value, onChange, label = 'Time range' }: { value: Preset; onChange(preset: Preset): void; label?: string }) {
  return <SelectField label={label} value={value} onChange={(e) => onChange(e.target.value as Preset)} options={PRESETS.map((p) => ({ value: p.value, label: p.label }))} />
}

/** A preset kept in state, with its current range. */
export function useRange(initial: Preset = '7d') {
  const [preset, setPreset] = useState<Preset>(initial)
  return { preset, setPreset, range: () => presetRange(preset) }
}
