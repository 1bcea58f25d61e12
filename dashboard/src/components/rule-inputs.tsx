/** The rule builder's small inputs: a comparison (`{ gte: 2 }`) and a duration ("14d"). */
import { DURATION, type Json, type JsonObject, NUMBER_OPS, singleOp, VALUE_OPS } from '../rule-shapes.ts'
import { SelectField, TextField } from './form.tsx'

/** A typed value back to JSON: numbers stay numbers, true / false booleans, the rest text. */
export function parseValue(text: string): Json {
  const t = text.trim()
  if (t === 'true' || t === 'false') return t === 'true'
  if (t !== '' && Number.isFinite(Number(t))) return Number(t)
  return text
}
export const showValue = (v: Json | undefined) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))

/**
 * One operator and its value inside an object that may hold other fields (`extra`: path, key, name):
 * changing the operator moves the value to the new one, the other fields stay.
 */
export function ComparisonInput({
  label,
  value,
  onChange,
  readOnly,
  numeric,
  extra = [],
}: {
  label: string
  value: JsonObject
  onChange(next: JsonObject): void
  readOnly: boolean
  numeric: boolean
  extra?: readonly string[]
}) {
  const op = singleOp(value, numeric, extra) ?? (numeric ? 'gte' : 'eq')
  const kept = Object.fromEntries(Object.entries(value).filter(([k]) => extra.includes(k))) as JsonObject
  const current = value[op]
  const set = (nextOp: string, v: Json) => onChange({ ...kept, [nextOp]: v })
  return (
    <div className="row">
      <SelectField
        label={`${label}: operator`}
        value={op}
        disabled={readOnly}
        options={numeric ? NUMBER_OPS : VALUE_OPS}
        onChange={(e) => set(e.target.value, e.target.value === 'exists' ? true : current === undefined || typeof current === 'boolean' ? 0 : current)}
      />
      {op !== 'exists' && (
        <TextField
          label={`${label}: value`}
          value={showValue(current)}
          readOnly={readOnly}
          inputMode={numeric ? 'decimal' : undefined}
          // What is not a number yet is sent as typed: the preview's 400 names the field meanwhile.
          onChange={(e) => set(op, parseValue(e.target.value))}
        />
      )}
    </div>
  )
}

const UNITS = [
  { value: 'm', label: 'minutes' },
  { value: 'h', label: 'hours' },
  { value: 'd', label: 'days' },
  { value: 'w', label: 'weeks' },
] as const

/** "14d" as a number and a unit; empty when `optional` and the number is cleared. */
export function DurationInput({ label, value, onChange, readOnly, optional, hint }: { label: string; value: string | undefined; onChange(next: string | undefined): void; readOnly: boolean; optional: boolean; hint?: string }) {
  const match = DURATION.exec(value ?? '')
  const amount = match ? match[1]! : ''
  const unit = match ? match[2]! : 'd'
  return (
    <div className="row">
      <TextField
        label={label}
        hint={hint}
        type="number"
        min={optional ? 0 : 1}
        step={1}
        value={amount}
        readOnly={readOnly}
        onChange={(e) => onChange(e.target.value === '' && optional ? undefined : `${e.target.value}${unit}`)}
      />
      <SelectField label={`${label}: unit`} value={unit} disabled={readOnly} options={UNITS} onChange={(e) => onChange(`${amount === '' ? '1' : amount}${e.target.value}`)} />
    </div>
  )
}
