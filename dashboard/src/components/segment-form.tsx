/**
 * The form that creates or changes a segment: name, key, description, enabled, the rule (builder or JSON)
 * with its live size estimate. A change sends the version it started from: when someone saved meanwhile,
 * the engine answers 409 and nothing is overwritten.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useNavigate } from 'react-router'
import { ApiError } from '../api.ts'
import type { Json } from '../rule-shapes.ts'
import { invalidateSegments, type SegmentView, segmentApi } from '../segment-api.ts'
import { Button, CheckboxField, TextField } from './form.tsx'
import { RuleBuilder, rulePath } from './rule-builder.tsx'
import { SizeEstimate, useSizeEstimate } from './size-estimate.tsx'
import { ErrorNote } from './states.tsx'

/** "Viewed shoes, no order" → "viewed_shoes_no_order": the key a new segment is offered. */
export const keyOf = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64)

export interface FormStart {
  name: string
  key: string
  description: string
  enabled: boolean
  definition: Json
}

export function SegmentForm({ start, existing }: { start: FormStart; existing?: SegmentView }) {
  const [form, setForm] = useState(start)
  const [keyTouched, setKeyTouched] = useState(existing !== undefined)
  const client = useQueryClient()
  const navigate = useNavigate()
  const others = useQuery({ queryKey: ['segments', 'list'], queryFn: segmentApi.list })
  const traits = useQuery({ queryKey: ['traits', 'list'], queryFn: segmentApi.traits })
  const estimate = useSizeEstimate(form.definition)
  const save = useMutation({
    mutationFn: () => (existing ? segmentApi.update(existing.id, { ...form, expectedVersion: existing.version }) : segmentApi.create(form)),
    onSuccess: async (saved) => {
      await invalidateSegments(client)
      navigate(`/segments/${encodeURIComponent(saved.id)}`)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  // The field a 400 named: from saving, else from the preview (both check the rule the same way).
  const failure = [save.error, estimate.error].find((e): e is ApiError => e instanceof ApiError && e.status === 400 && rulePath(e.field) !== null)
  const conflict = save.error instanceof ApiError && save.error.status === 409
  return (
    <form className="segment-form" aria-label={existing ? 'Change the segment' : 'New segment'} onSubmit={submit}>
      <div className="segment-form-main">
        <div className="stack wide">
          <TextField
            label="Name"
            value={form.name}
            required
            maxLength={200}
            onChange={(e) => setForm({ ...form, name: e.target.value, ...(!keyTouched && { key: keyOf(e.target.value) }) })}
          />
          <TextField
            label="Key"
            hint="Lower-case letters, digits and _: the audience key of its Audience Entered / Exited events."
            value={form.key}
            required
            maxLength={64}
            pattern="[a-z0-9_]+"
            onChange={(e) => {
              setKeyTouched(true)
              setForm({ ...form, key: e.target.value })
            }}
          />
          <div className="field">
            <label htmlFor="segment-description">Description</label>
            <textarea id="segment-description" rows={2} value={form.description} maxLength={2000} onChange={(e) => setForm({ ...form, description: e.target.value })} />
          </div>
          <CheckboxField label="Enabled (a disabled segment keeps its rule but has no members)" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
        </div>
        <h2>Rule</h2>
        <RuleBuilder
          value={form.definition}
          onChange={(definition) => setForm({ ...form, definition })}
          context={{
            readOnly: false,
            segments: (others.data?.data ?? []).filter((s) => s.id !== existing?.id).map((s) => ({ key: s.key, name: s.name })),
            traits: (traits.data?.data ?? []).map((t) => ({ key: t.key, name: t.name })),
            errorPath: failure ? rulePath(failure.field) : null,
            errorMessage: failure?.message ?? '',
          }}
        />
      </div>
      <aside className="segment-form-side">
        <SizeEstimate estimate={estimate} />
        {save.error && <ErrorNote error={save.error} />}
        {conflict && <p>Someone saved this segment after you opened it. Reload the page to see their change, then make yours again.</p>}
        <div className="row">
          <Button type="submit" busy={save.isPending}>
            {existing ? 'Save segment' : 'Create segment'}
          </Button>
          <Button variant="secondary" onClick={() => navigate(existing ? `/segments/${encodeURIComponent(existing.id)}` : '/segments')}>
            Cancel
          </Button>
        </div>
      </aside>
    </form>
  )
}
