/**
 * The computed trait form: what it computes (Segment's kinds: counter, sum / average / min / max of a
 * property, most frequent, first, last, unique list, unique count), over which events and window, and the
 * definition as JSON for anything the form does not show. Saving sends the version it started from.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useNavigate } from 'react-router'
import type { TraitDefinition, TraitType } from '../../../src/segments/index.ts'
import { isObject, type Json, type JsonObject } from '../rule-shapes.ts'
import { invalidateSegments, segmentApi, type TraitView } from '../segment-api.ts'
import { Button, CheckboxField, SelectField, TextField } from './form.tsx'
import { JsonText } from './rule-builder.tsx'
import { EventEditor, Window } from './rule-conditions.tsx'
import { showValue } from './rule-inputs.tsx'
import { type FormStart, keyOf } from './segment-form.tsx'
import { ErrorNote } from './states.tsx'

export const TRAIT_KINDS = [
  { value: 'counter', label: 'Event counter' },
  { value: 'sum', label: 'Sum of a property' },
  { value: 'avg', label: 'Average of a property' },
  { value: 'min', label: 'Smallest value of a property' },
  { value: 'max', label: 'Largest value of a property' },
  { value: 'most_frequent', label: 'Most frequent value' },
  { value: 'first', label: 'First value' },
  { value: 'last', label: 'Last value' },
  { value: 'unique_list', label: 'Unique list of values' },
  { value: 'unique_count', label: 'Number of unique values' },
] as const satisfies readonly { value: TraitType; label: string }[]

export const STARTER_TRAIT = { type: 'counter', event: { kind: 'order_completed' }, within: '90d' } satisfies TraitDefinition as JsonObject

/** "Sum of a property (properties.revenue) of order_completed, last 90d" for the list. */
export function describeTrait(definition: unknown): string {
  if (!isObject(definition)) return 'JSON definition'
  const kind = TRAIT_KINDS.find((k) => k.value === definition.type)?.label ?? String(definition.type ?? 'JSON definition')
  const event = isObject(definition.event) ? showValue(definition.event.name ?? definition.event.kind ?? 'any event') : 'any event'
  const within = typeof definition.within === 'string' ? `last ${definition.within}` : definition.from || definition.to ? 'between dates' : 'all time'
  const property = typeof definition.property === 'string' ? ` (${definition.property})` : ''
  return `${kind}${property} of ${event}, ${within}`
}

export function TraitForm({ start, existing, readOnly }: { start: FormStart; existing?: TraitView; readOnly: boolean }) {
  const [form, setForm] = useState(start)
  const client = useQueryClient()
  const navigate = useNavigate()
  const def = isObject(form.definition) ? form.definition : {}
  const setDef = (next: JsonObject) => setForm({ ...form, definition: next })
  const save = useMutation({
    mutationFn: () => (existing ? segmentApi.updateTrait(existing.id, { ...form, expectedVersion: existing.version }) : segmentApi.createTrait(form)),
    onSuccess: async (saved) => {
      await invalidateSegments(client)
      navigate(`/traits/${encodeURIComponent(saved.id)}`)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  const kind = String(def.type ?? 'counter')
  return (
    <form className="stack wide" aria-label={existing ? 'Computed trait' : 'New computed trait'} onSubmit={submit}>
      <TextField label="Name" value={form.name} required maxLength={200} readOnly={readOnly} onChange={(e) => setForm({ ...form, name: e.target.value, ...(!existing && { key: keyOf(e.target.value) }) })} />
      <TextField label="Key" hint="Its name on the profile (traits.<key> in rules and templates)." value={form.key} required maxLength={64} pattern="[a-z0-9_]+" readOnly={readOnly} onChange={(e) => setForm({ ...form, key: e.target.value })} />
      <div className="field">
        <label htmlFor="trait-description">Description</label>
        <textarea id="trait-description" rows={2} value={form.description} maxLength={2000} readOnly={readOnly} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </div>
      <CheckboxField label="Enabled" checked={form.enabled} disabled={readOnly} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
      <SelectField label="Computes" value={kind} disabled={readOnly} onChange={(e) => setDef({ ...def, type: e.target.value })} options={TRAIT_KINDS} />
      {kind !== 'counter' && (
        <TextField label="Of the property" hint="A path such as properties.revenue, item.category or item.brand." value={String(def.property ?? '')} readOnly={readOnly} onChange={(e) => setDef({ ...def, property: e.target.value })} />
      )}
      <Window value={def} onChange={setDef} readOnly={readOnly} dated={def.from !== undefined || def.to !== undefined} />
      <fieldset className="rule-node">
        <legend>Counted events</legend>
        <EventEditor
          value={isObject(def.event) ? def.event : {}}
          readOnly={readOnly}
          onChange={(event) => {
            setDef({ ...def, event })
          }}
          eventOnly
        />
      </fieldset>
      <JsonText label="The definition as JSON" value={form.definition as Json} onChange={(definition) => setForm({ ...form, definition })} readOnly={readOnly} rows={8} />
      {save.error && <ErrorNote error={save.error} />}
      {!readOnly && (
        <div className="row">
          <Button type="submit" busy={save.isPending}>
            {existing ? 'Save computed trait' : 'Create computed trait'}
          </Button>
        </div>
      )}
    </form>
  )
}
