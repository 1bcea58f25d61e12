/**
 * The forms of the conditions on a person rather than their events: a profile field (orders, revenue,
 * last order, consent, a trait, top category), a named RFM segment, a CLV prediction, a computed trait,
 * membership of another segment.
 */
import { isObject, type JsonObject, onlyKey, PREDICTION_FIELDS, PROFILE_FIELDS, RFM_SEGMENTS } from '../rule-shapes.ts'
import { SelectField, TextField } from './form.tsx'
import type { Props } from './rule-conditions.tsx'
import { ComparisonInput, DurationInput } from './rule-inputs.tsx'

type Field = (typeof PROFILE_FIELDS)[number]['value']

/** What a profile field starts as when it is chosen. */
const START: Record<Field, JsonObject[string]> = {
  orders: { gte: 1 },
  revenue: { gte: 100 },
  lastOrder: { within: '30d' },
  firstOrder: { within: '30d' },
  lastSeen: { within: '7d' },
  consent: 'personalization',
  trait: { name: '', eq: '' },
  topCategory: { category: '' },
}

export function ProfileEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  const field = (onlyKey(value) ?? 'orders') as Field
  const v = value[field]
  const set = (next: JsonObject[string]) => onChange({ [field]: next })
  return (
    <div className="stack wide">
      <SelectField label="Profile field" value={field} disabled={readOnly} options={PROFILE_FIELDS} onChange={(e) => onChange({ [e.target.value]: START[e.target.value as Field] })} />
      {(field === 'orders' || field === 'revenue') && <ComparisonInput label={field === 'orders' ? 'Orders' : 'Revenue'} numeric value={v as JsonObject} readOnly={readOnly} onChange={set} />}
      {(field === 'lastOrder' || field === 'firstOrder' || field === 'lastSeen') && <DateField value={v as JsonObject} onChange={set} readOnly={readOnly} />}
      {field === 'consent' && <TextField label="Has consent for the purpose" hint="e.g. personalization, email, sensitive" value={String(v ?? '')} readOnly={readOnly} onChange={(e) => set(e.target.value)} />}
      {field === 'trait' && isObject(v) && (
        <div className="row">
          <TextField label="Trait name" hint="As sent with identify, e.g. plan" value={String(v.name ?? '')} readOnly={readOnly} onChange={(e) => set({ ...v, name: e.target.value })} />
          <ComparisonInput label="Trait" numeric={false} extra={['name']} value={v} readOnly={readOnly} onChange={set} />
        </div>
      )}
      {field === 'topCategory' && isObject(v) && (
        <div className="row">
          <TextField label="Category" hint="Its subcategories' interest counts too" value={String(v.category ?? '')} readOnly={readOnly} onChange={(e) => set({ ...v, category: e.target.value })} />
          <TextField
            label="Among the person's top"
            type="number"
            min={1}
            step={1}
            value={typeof v.rank === 'number' ? String(v.rank) : '1'}
            readOnly={readOnly}
            onChange={(e) => set({ ...v, rank: Number(e.target.value) })}
          />
        </div>
      )}
    </div>
  )
}

/** "Within the last 30 days" or "more than 90 days ago". */
function DateField({ value, onChange, readOnly }: Props<JsonObject>) {
  const how = onlyKey(value) === 'olderThan' ? 'olderThan' : 'within'
  const amount = typeof value[how] === 'string' ? (value[how] as string) : '30d'
  return (
    <div className="row">
      <SelectField
        label="When"
        value={how}
        disabled={readOnly}
        options={[
          { value: 'within', label: 'within the last' },
          { value: 'olderThan', label: 'more than … ago' },
        ]}
        onChange={(e) => onChange({ [e.target.value]: amount })}
      />
      <DurationInput label="How long" optional={false} value={amount} readOnly={readOnly} onChange={(next) => onChange({ [how]: next ?? amount })} />
    </div>
  )
}

export function RfmEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  const rfm = isObject(value.rfm) ? value.rfm : {}
  return (
    <SelectField
      label="Named RFM segment (PyMC-Marketing's quartile segments)"
      value={String(rfm.segment ?? '')}
      disabled={readOnly}
      onChange={(e) => onChange({ rfm: { segment: e.target.value } })}
      options={RFM_SEGMENTS.map((s) => ({ value: s, label: s }))}
    />
  )
}

export function PredictionEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  const field = onlyKey(value) ?? 'percentile'
  return (
    <div className="stack wide">
      <SelectField label="Prediction" value={field} disabled={readOnly} onChange={(e) => onChange({ [e.target.value]: value[field] ?? { gte: 0.8 } })} options={PREDICTION_FIELDS} />
      <ComparisonInput label="Prediction" numeric value={(value[field] as JsonObject) ?? { gte: 0.8 }} readOnly={readOnly} onChange={(next) => onChange({ [field]: next })} />
    </div>
  )
}

type Named = readonly { key: string; name: string }[]

/** A select of keys that also shows a key the list does not have (yet), so nothing is silently changed. */
function KeySelect({ label, value, onChange, readOnly, choices }: Props<string> & { label: string; choices: Named }) {
  const known = choices.some((s) => s.key === value)
  return (
    <SelectField
      label={label}
      value={value}
      disabled={readOnly}
      onChange={(e) => onChange(e.target.value)}
      options={[{ value: '', label: 'Choose one' }, ...(known || value === '' ? [] : [{ value, label: `${value} (unknown)` }]), ...choices.map((s) => ({ value: s.key, label: `${s.name} (${s.key})` }))]}
    />
  )
}

export function ComputedEditor({ value, onChange, readOnly, traits }: Props<JsonObject> & { traits: Named }) {
  return (
    <div className="stack wide">
      <KeySelect label="Computed trait" value={String(value.key ?? '')} readOnly={readOnly} choices={traits} onChange={(key) => onChange({ ...value, key })} />
      <ComparisonInput label="Computed trait" numeric={false} extra={['key']} value={value} readOnly={readOnly} onChange={onChange} />
    </div>
  )
}

export function SegmentEditor({ value, onChange, readOnly, segments }: Props<JsonObject> & { segments: Named }) {
  return <KeySelect label="Segment" value={String(value.key ?? '')} readOnly={readOnly} choices={segments} onChange={(key) => onChange({ key })} />
}
