/**
 * The event condition's form: which events (kind or track name), conditions on their properties and on
 * their items (category with its subcategories, brand, price), how many, and when (the last N minutes,
 * hours, days or weeks, or between dates). Fields the form does not show are kept.
 */
import type { EventKind } from '../../../src/server/api-types.ts'
import { isObject, type JsonObject } from '../rule-shapes.ts'
import { Button, CheckboxField, SelectField, TextField } from './form.tsx'
import { ComparisonInput, DurationInput } from './rule-inputs.tsx'

/** The kinds a shop's tracking sends (checked against the server's list: a renamed kind fails the type check). */
export const EVENT_KINDS = [
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

export interface Props<T> {
  value: T
  onChange(next: T): void
  readOnly: boolean
}

/** Sets a field, or removes it when `next` is undefined (so an emptied control leaves no empty field). */
export function withField(o: JsonObject, key: string, next: JsonObject[string] | undefined): JsonObject {
  const copy = { ...o }
  if (next === undefined) delete copy[key]
  else copy[key] = next
  return copy
}

const ANY_KIND = ''

/** `eventOnly`: which events, without count and window (a computed trait has its own window). */
export function EventEditor({ value, onChange, readOnly, eventOnly = false }: Props<JsonObject> & { eventOnly?: boolean }) {
  const kind = typeof value.kind === 'string' ? value.kind : ANY_KIND
  const where = Array.isArray(value.where) ? (value.where as JsonObject[]) : []
  const item = isObject(value.item) ? value.item : {}
  const dated = value.from !== undefined || value.to !== undefined
  return (
    <div className="stack wide">
      <div className="row">
        <SelectField
          label="Event kind"
          value={kind}
          disabled={readOnly}
          onChange={(e) => onChange(withField(value, 'kind', e.target.value === ANY_KIND ? undefined : e.target.value))}
          options={[{ value: ANY_KIND, label: 'any kind (by its name)' }, ...EVENT_KINDS]}
        />
        {(kind === ANY_KIND || kind === 'custom') && (
          <TextField label="Event name" hint="As tracked, e.g. Wishlist Added" value={typeof value.name === 'string' ? value.name : ''} readOnly={readOnly} onChange={(e) => onChange(withField(value, 'name', e.target.value === '' ? undefined : e.target.value))} />
        )}
      </div>
      <ItemFields value={item} readOnly={readOnly} onChange={(next) => onChange(withField(value, 'item', Object.keys(next).length === 0 ? undefined : next))} />
      <Where items={where} readOnly={readOnly} onChange={(next) => onChange(withField(value, 'where', next.length === 0 ? undefined : next))} />
      {!eventOnly && (
        <>
          <ComparisonInput label="How many times" numeric value={isObject(value.count) ? value.count : { gte: 1 }} readOnly={readOnly} onChange={(next) => onChange({ ...value, count: next })} />
          <Window value={value} onChange={onChange} readOnly={readOnly} dated={dated} />
        </>
      )}
    </div>
  )
}

/** The window of events or a trait: the last N units (`within`), or from / to dates. */
export function Window({ value, onChange, readOnly, dated }: Props<JsonObject> & { dated: boolean }) {
  return (
    <div className="row">
      <DurationInput
        label="Within the last"
        hint="Empty: all time."
        optional
        value={typeof value.within === 'string' ? value.within : undefined}
        readOnly={readOnly}
        onChange={(next) => onChange(withField(value, 'within', next))}
      />
      {(dated || !readOnly) && (
        <>
          <TextField label="From (date)" hint="Optional, e.g. 2026-11-27" value={typeof value.from === 'string' ? value.from : ''} readOnly={readOnly} onChange={(e) => onChange(withField(value, 'from', e.target.value === '' ? undefined : e.target.value))} />
          <TextField label="Until (date, exclusive)" value={typeof value.to === 'string' ? value.to : ''} readOnly={readOnly} onChange={(e) => onChange(withField(value, 'to', e.target.value === '' ? undefined : e.target.value))} />
        </>
      )}
    </div>
  )
}

/** Conditions on the event's items: category (its subcategories match too), brand, price. */
function ItemFields({ value, onChange, readOnly }: Props<JsonObject>) {
  const priced = isObject(value.price)
  // Read only, a condition shows the fields it has.
  if (readOnly && Object.keys(value).length === 0) return null
  return (
    <div className="row">
      <TextField
        label="Item category"
        hint="Its subcategories match too, e.g. Shoes"
        value={typeof value.category === 'string' ? value.category : ''}
        readOnly={readOnly}
        onChange={(e) => onChange(withField(value, 'category', e.target.value === '' ? undefined : e.target.value))}
      />
      <TextField label="Item brand" value={typeof value.brand === 'string' ? value.brand : ''} readOnly={readOnly} onChange={(e) => onChange(withField(value, 'brand', e.target.value === '' ? undefined : e.target.value))} />
      {priced ? (
        <>
          <ComparisonInput label="Item price" numeric value={value.price as JsonObject} readOnly={readOnly} onChange={(next) => onChange({ ...value, price: next })} />
          {!readOnly && (
            <Button variant="secondary" className="small" onClick={() => onChange(withField(value, 'price', undefined))}>
              No price condition
            </Button>
          )}
        </>
      ) : (
        !readOnly && (
          <Button variant="secondary" className="small" onClick={() => onChange({ ...value, price: { gte: 0 } })}>
            Add a price condition
          </Button>
        )
      )}
    </div>
  )
}

/** Conditions on the event's properties by path ("properties.coupon", "revenue", "context.campaign.source"). */
function Where({ items, onChange, readOnly }: Omit<Props<JsonObject[]>, 'value'> & { items: JsonObject[] }) {
  const set = (i: number, next: JsonObject) => onChange(items.map((c, j) => (j === i ? next : c)))
  return (
    <div className="rule-where">
      {items.map((c, i) => (
        // Conditions have no id of their own: their place is their identity while editing.
        <fieldset key={i} className="rule-property">
          <legend>Property condition {i + 1}</legend>
          <div className="row">
            <TextField label="Property path" hint="e.g. properties.coupon or revenue" value={String(c.path ?? '')} readOnly={readOnly} onChange={(e) => set(i, { ...c, path: e.target.value })} />
            <ComparisonInput label="Property" numeric={false} extra={['path']} value={c} readOnly={readOnly} onChange={(next) => set(i, next)} />
          </div>
          {!readOnly && (
            <Button variant="secondary" className="small" onClick={() => onChange(items.filter((_, j) => j !== i))}>
              Remove property condition {i + 1}
            </Button>
          )}
        </fieldset>
      ))}
      {!readOnly && (
        <div>
          <Button variant="secondary" className="small" onClick={() => onChange([...items, { path: 'properties.', eq: '' }])}>
            Add property condition
          </Button>
        </div>
      )}
    </div>
  )
}

/** "Added to cart, then did not order within 4 hours": X counts once the timeout passed without a Y after it. */
export function AbandonmentEditor({ value, onChange, readOnly }: Props<JsonObject>) {
  const part = (key: 'did' | 'thenNot', legend: string) => (
    <fieldset className="rule-property">
      <legend>{legend}</legend>
      <EventEditor eventOnly value={isObject(value[key]) ? (value[key] as JsonObject) : {}} readOnly={readOnly} onChange={(next) => onChange({ ...value, [key]: next })} />
    </fieldset>
  )
  return (
    <div className="stack wide">
      {part('did', 'Did this')}
      {part('thenNot', 'Then did not do this')}
      <DurationInput label="Within (timeout)" optional={false} value={typeof value.timeout === 'string' ? value.timeout : '4h'} readOnly={readOnly} onChange={(next) => onChange({ ...value, timeout: next ?? '4h' })} />
      <CheckboxField
        label="The second event must name one of the first one's items"
        checked={value.sameItem === true}
        disabled={readOnly}
        onChange={(e) => onChange(withField(value, 'sameItem', e.target.checked ? true : undefined))}
      />
      <ComparisonInput label="How many times" numeric value={isObject(value.count) ? value.count : { gte: 1 }} readOnly={readOnly} onChange={(next) => onChange({ ...value, count: next })} />
      <Window value={value} onChange={onChange} readOnly={readOnly} dated={value.from !== undefined || value.to !== undefined} />
    </div>
  )
}
