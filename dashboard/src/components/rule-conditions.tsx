/**
 * The forms of the rule builder's conditions: an event (kind or name, property conditions, count, window),
 * a profile field, an RFM segment, a prediction, membership of another segment. Each edits its node's JSON
 * and keeps every field it does not show.
 */
import type { EventKind } from '../../../src/server/api-types.ts'
import { COMPARISONS, isObject, type Json, type JsonObject, PREDICTION_MEASURES, PROFILE_PATHS, PROPERTY_OPS, PROPERTY_PATHS, RFM_SEGMENTS } from '../rule-shapes.ts'
import { Button, SelectField, TextField } from './form.tsx'

/** The kinds a shop's tracking sends (checked against the server's list: a renamed kind fails the type check). */
const EVENT_KINDS = [
  'product_viewed',
  'product_clicked',
  'product_added',
  'product_removed',
  'product_list_viewed',
  'cart_viewed',
  'checkout_started',
  'order_completed',
  'order_refunded',
  'order_cancelled',
  'products_searched',
  'email_opened',
  'email_link_clicked',
  'promotion_viewed',
  'promotion_clicked',
  'product_rated',
  'page_viewed',
  'screen_viewed',
  'identify',
  'custom',
] as const satisfies readonly EventKind[]

interface Props<T> {
  value: T
  onChange(next: T): void
  readOnly: boolean
}

/** A typed value back to JSON: numbers stay numbers, true/false booleans, the rest text. */
export function parseValue(text: string): Json {
  const t = text.trim()
  if (t === 'true' || t === 'false') return t === 'true'
  if (t !== '' && Number.isFinite(Number(t))) return Number(t)
  return text
}
const showValue = (v: Json | undefined) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))

/** Sets a field, or removes it when `next` is undefined (so an empty control leaves no empty field). */
function withField(o: JsonObject, key: string, next: Json | undefined): JsonObject {
  const copy = { ...o }
  if (next === undefined) delete copy[key]
  else copy[key] = next
  return copy
}

function Comparison({ label, value, onChange, readOnly, numeric = true }: Props<JsonObject> & { label: string; numeric?: boolean }) {
  return (
    <div className="row">
      <SelectField label={`${label}: comparison`} value={String(value.op ?? '>=')} disabled={readOnly} onChange={(e) => onChange({ ...value, op: e.target.value })} options={COMPARISONS} />
      <TextField
        label={`${label}: value`}
        value={showValue(value.value)}
        readOnly={readOnly}
        inputMode={numeric ? 'decimal' : undefined}
        onChange={(e) => onChange({ ...value, value: numeric ? parseValue(e.target.value) : e.target.value })}
      />
    </div>
  )
}

/** `eventOnly`: which events, without count and window (a computed trait has its own window). */
export function EventEditor({ value, onChange, readOnly, eventOnly = false }: Props<JsonObject> & { eventOnly?: boolean }) {
  const byName = value.kind === undefined || value.kind === 'custom'
  const count = isObject(value.count) ? value.count : { op: '>=', value: 1 }
  const within = isObject(value.within) ? value.within : null
  const where = Array.isArray(value.where) ? (value.where as JsonObject[]) : []
  return (
    <div className="stack wide">
      <div className="row">
        <SelectField
          label="Event kind"
          value={String(value.kind ?? 'custom')}
          disabled={readOnly}
          onChange={(e) => onChange(withField(value, 'kind', e.target.value))}
          options={EVENT_KINDS.map((k) => ({ value: k, label: k === 'custom' ? 'custom (by its name)' : k }))}
        />
        {byName && (
          <TextField label="Event name" hint="As the shop tracks it, e.g. Wishlist Added" value={showValue(value.name)} readOnly={readOnly} onChange={(e) => onChange(withField(value, 'name', e.target.value === '' ? undefined : e.target.value))} />
        )}
      </div>
      {!eventOnly && <Comparison label="How many times" value={count} readOnly={readOnly} onChange={(next) => onChange({ ...value, count: next })} />}
      {!eventOnly && <TextField
        label="Within the last (days)"
        hint="Empty: ever."
        type="number"
        min={0}
        step="any"
        value={within && typeof within.days === 'number' ? String(within.days) : ''}
        readOnly={readOnly}
        onChange={(e) => onChange(withField(value, 'within', e.target.value === '' ? undefined : { ...(within ?? {}), days: Number(e.target.value) }))}
      />}
      <Where items={where} readOnly={readOnly} onChange={(next) => onChange(withField(value, 'where', next.length === 0 ? undefined : next))} />
    </div>
  )
}

/** Property conditions of an event: item category (with its subcategories), brand, price, or any path. */
function Where({ items, onChange, readOnly }: Omit<Props<JsonObject[]>, 'value'> & { items: JsonObject[] }) {
  const set = (i: number, next: JsonObject) => onChange(items.map((c, j) => (j === i ? next : c)))
  return (
    <div className="rule-where">
      {items.length > 0 && <p className="muted">Only events where:</p>}
      {items.map((c, i) => {
        const path = String(c.path ?? '')
        const named = PROPERTY_PATHS.some((p) => p.value === path)
        // Conditions have no id of their own: their place is their identity while editing.
        return (
          <fieldset key={i} className="rule-property">
            <legend>Property condition {i + 1}</legend>
            <div className="row">
              <SelectField
                label="Property"
                value={named ? path : 'properties.'}
                disabled={readOnly}
                onChange={(e) => set(i, { ...c, path: e.target.value })}
                options={PROPERTY_PATHS}
              />
              {!named || path === 'properties.' ? <TextField label="Property path" value={path} readOnly={readOnly} onChange={(e) => set(i, { ...c, path: e.target.value })} /> : null}
              <SelectField label="Operator" value={String(c.op ?? 'eq')} disabled={readOnly} onChange={(e) => set(i, withField(c, 'op', e.target.value))} options={PROPERTY_OPS} />
              {c.op !== 'exists' && <TextField label="Value" value={showValue(c.value)} readOnly={readOnly} onChange={(e) => set(i, { ...c, value: path === 'item.price' || c.op === 'gte' || c.op === 'lte' ? parseValue(e.target.value) : e.target.value })} />}
            </div>
            {!readOnly && (
              <Button variant="secondary" className="small" onClick={() => onChange(items.filter((_, j) => j !== i))}>
                Remove property condition {i + 1}
              </Button>
            )}
          </fieldset>
        )
      })}
      {!readOnly && (
        <Button variant="secondary" className="small" onClick={() => onChange([...items, { path: 'item.category', op: 'eq', value: '' }])}>
          Add property condition
        </Button>
      )}
    </div>
  )
}

export function ProfileEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  const path = String(value.path ?? '')
  const named = PROFILE_PATHS.some((p) => p.value === path)
  return (
    <div className="stack wide">
      <div className="row">
        <SelectField label="Profile field" value={named ? path : 'traits.'} disabled={readOnly} onChange={(e) => onChange({ ...value, path: e.target.value })} options={PROFILE_PATHS} />
        {(!named || path === 'traits.') && <TextField label="Field path" value={path} readOnly={readOnly} onChange={(e) => onChange({ ...value, path: e.target.value })} />}
      </div>
      <Comparison label="Profile field" value={value} readOnly={readOnly} onChange={onChange} />
    </div>
  )
}

export function RfmEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  return (
    <SelectField
      label="Named RFM segment"
      value={String(value.segment ?? '')}
      disabled={readOnly}
      onChange={(e) => onChange({ segment: e.target.value })}
      options={RFM_SEGMENTS.map((s) => ({ value: s, label: s }))}
    />
  )
}

export function PredictionEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  return (
    <div className="stack wide">
      <SelectField label="Prediction" value={String(value.measure ?? 'clv_percentile')} disabled={readOnly} onChange={(e) => onChange({ ...value, measure: e.target.value })} options={PREDICTION_MEASURES} />
      <Comparison label="Prediction" value={value} readOnly={readOnly} onChange={onChange} />
    </div>
  )
}

export function SegmentEditor({ value, onChange, readOnly, segments }: Props<string> & { segments: readonly { key: string; name: string }[] }) {
  const known = segments.some((s) => s.key === value)
  return (
    <SelectField
      label="Segment"
      value={value}
      disabled={readOnly}
      onChange={(e) => onChange(e.target.value)}
      options={[{ value: '', label: 'Choose a segment' }, ...(known || value === '' ? [] : [{ value, label: `${value} (unknown)` }]), ...segments.map((s) => ({ value: s.key, label: `${s.name} (${s.key})` }))]}
    />
  )
}
