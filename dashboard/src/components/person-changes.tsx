/**
 * The person page's editable sections: identities (add, remove), merges (merge, undo), consent and
 * preferences, each for editors, read only for viewers.
 */
import { useMutation } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import type { PersonChange, ProfileView } from '../../../src/server/api-types.ts'
import { api, query } from '../api.ts'
import { type Column, DataTable } from './data-table.tsx'
import { Button, CheckboxField, ConfirmButton, SelectField, TextField } from './form.tsx'
import { Section } from './page.tsx'
import { Empty, ErrorNote } from './states.tsx'
import { formatTime } from '../format.ts'
import { identifierName } from '../pages/people.tsx'

export const at = (id: string, rest = '', params: Record<string, string | number | undefined> = {}) => `/v1/people/${encodeURIComponent(id)}${rest}${query({ type: 'person_id', ...params })}`

export function When({ value }: { value: string | null | undefined }) {
  return value ? (
    <time dateTime={value} title={formatTime(value)}>
      {formatTime(value)}
    </time>
  ) : (
    <span className="muted">—</span>
  )
}

interface Editable {
  id: string
  view: ProfileView
  editor: boolean
  onChanged(reply?: PersonChange): Promise<void>
}

/** A change's outcome said in words: applied, or pending when the workers are behind. */
export function ChangeNote({ reply, error }: { reply: PersonChange | undefined; error: unknown }) {
  if (error) return <ErrorNote error={error} />
  if (reply && 'status' in reply) return <p role="status">Saved; the workers will apply it shortly (reload in a moment).</p>
  return null
}

export function Identities({ id, view, editor, onChanged }: Editable) {
  const rows = [
    ...view.identities.userIds.map((value) => ({ type: 'user_id', value })),
    ...view.identities.emails.map((value) => ({ type: 'email', value })),
    ...view.identities.externalIds.map((value) => ({ type: 'external', value })),
    ...view.identities.deviceIds.map((value) => ({ type: 'device_id', value })),
    ...view.identities.anonymousIds.map((value) => ({ type: 'anonymous_id', value })),
  ]
  const [other, setOther] = useState('')
  const [otherType, setOtherType] = useState('')
  const [force, setForce] = useState(false)
  const merge = useMutation({
    mutationFn: () => api.post<PersonChange>(at(id, '/merge'), { otherId: other.trim(), ...(otherType && { otherType }), ...(force && { force }) }),
    onSuccess: async (reply) => {
      setOther('')
      setForce(false)
      await onChanged(reply)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (other.trim() !== '') merge.mutate()
  }
  return (
    <Section title="Identities">
      <DataTable
        caption="Identifiers of this person"
        columns={[
          { header: 'Type', cell: (r) => identifierName(r.type) },
          { header: 'Value', cell: (r) => r.value },
        ]}
        rows={rows}
        rowKey={(r) => `${r.type}:${r.value}`}
        empty={<Empty title="No identifiers.">This person is known by their person id only.</Empty>}
      />
      {editor && (
        <form className="stack" aria-label="Merge another person into this one" onSubmit={submit}>
          <TextField
            label="Merge in the person with this identifier"
            hint="Their events, identifiers and profile join this person. Undo it later from the merges below."
            value={other}
            onChange={(e) => setOther(e.target.value)}
            maxLength={255}
            required
            autoComplete="off"
          />
          <SelectField
            label="Its type"
            value={otherType}
            onChange={(e) => setOtherType(e.target.value)}
            options={[{ value: '', label: 'Any (user id, person id, email, anonymous id, …)' }, ...['user_id', 'email', 'anonymous_id', 'device_id', 'external', 'person_id'].map((t) => ({ value: t, label: identifierName(t) }))]}
          />
          <CheckboxField label="Merge even if the identity rules refuse (e.g. two user ids)" checked={force} onChange={(e) => setForce(e.target.checked)} />
          <div className="row">
            <Button type="submit" busy={merge.isPending} disabled={other.trim() === ''}>
              Merge
            </Button>
          </div>
          <ChangeNote reply={merge.data} error={merge.error} />
        </form>
      )}
    </Section>
  )
}

export function Merges({ id, view, editor, onChanged }: Editable) {
  const unmerge = useMutation({ mutationFn: (mergeId: string) => api.post<PersonChange>(at(id, '/unmerge'), { mergeId }), onSuccess: (reply) => onChanged(reply) })
  type Entry = ProfileView['merges'][number]
  const kinds: Record<string, string> = { merge: 'Merged', refused: 'Merge refused', reassigned: 'Identifier moved (shared device)' }
  const columns: Column<Entry>[] = [
    { header: 'When', cell: (m) => <When value={m.at} /> },
    { header: 'What', cell: (m) => kinds[m.kind] ?? m.kind },
    { header: 'Cause', cell: (m) => m.cause },
    {
      header: 'Identifiers',
      cell: (m) => (
        <ul className="plain-list">
          {m.identifiers.map((i) => (
            <li key={`${i.type}:${i.value}`}>
              <span className="muted">{identifierName(i.type)}:</span> {i.value}
            </li>
          ))}
        </ul>
      ),
    },
    { header: 'Merge id', cell: (m) => <code>{m.id}</code> },
    {
      header: 'State',
      cell: (m) =>
        m.kind !== 'merge' ? (
          <span className="muted">—</span>
        ) : m.undoneAt ? (
          <span>
            Undone <When value={m.undoneAt} />
          </span>
        ) : editor ? (
          <ConfirmButton confirmLabel={`Confirm unmerge ${m.id}`} busy={unmerge.isPending && unmerge.variables === m.id} onConfirm={() => unmerge.mutate(m.id)}>
            Unmerge {m.id}
          </ConfirmButton>
        ) : (
          'In effect'
        ),
    },
  ]
  return (
    <Section title="Merges and identity decisions">
      <DataTable
        caption="Merges, refused merges and moved identifiers"
        columns={columns}
        rows={[...view.merges].reverse()}
        rowKey={(m) => m.id}
        empty={<Empty title="No merges.">This person was never joined with another. {editor ? 'Merge one in with the form above.' : ''}</Empty>}
      />
      <ChangeNote reply={unmerge.data} error={unmerge.error} />
    </Section>
  )
}

export function Consent({ id, view, editor, onChanged }: Editable) {
  const change = useMutation({ mutationFn: (body: Record<string, boolean>) => api.put<PersonChange>(at(id, '/consent'), body), onSuccess: (reply) => onChanged(reply) })
  const rows = Object.entries(view.consent).map(([purpose, c]) => ({ purpose, ...c }))
  const sources: Record<string, string> = { default: 'Shop default (never stated)', api: 'Changed here or through the API', identify: 'Stated by the shop (identify)' }
  return (
    <Section title="Consent">
      <DataTable
        caption="Consent by purpose"
        columns={[
          { header: 'Purpose', cell: (r) => r.purpose },
          { header: 'State', cell: (r) => (r.granted ? 'Granted' : 'Refused') },
          { header: 'Source', cell: (r) => sources[r.source] ?? r.source },
          { header: 'Since', cell: (r) => <When value={r.at} /> },
          ...(editor
            ? [
                {
                  header: 'Change',
                  cell: (r: (typeof rows)[number]) => (
                    <Button variant="secondary" className="small" busy={change.isPending && change.variables?.[r.purpose] !== undefined} onClick={() => change.mutate({ [r.purpose]: !r.granted })}>
                      {r.granted ? `Withdraw ${r.purpose}` : `Grant ${r.purpose}`}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
        rows={rows}
        rowKey={(r) => r.purpose}
      />
      <ChangeNote reply={change.data} error={change.error} />
    </Section>
  )
}

function Lines({ label, value, onChange, readOnly }: { label: string; value: string; onChange(v: string): void; readOnly: boolean }) {
  const fieldId = useId()
  return (
    <div className="field">
      <label htmlFor={fieldId}>{label}</label>
      <textarea id={fieldId} rows={3} value={value} readOnly={readOnly} onChange={(e) => onChange(e.target.value)} aria-describedby={`${fieldId}-hint`} />
      <small id={`${fieldId}-hint`} className="hint">
        One per line.
      </small>
    </div>
  )
}

export function Preferences({ id, view, editor, onChanged }: Editable) {
  const p = view.preferences
  const initial = {
    likedCategories: p.categories.liked.join('\n'),
    dislikedCategories: p.categories.disliked.join('\n'),
    likedBrands: p.brands.liked.join('\n'),
    dislikedBrands: p.brands.disliked.join('\n'),
    notForMe: p.notForMe.join('\n'),
  }
  const [form, setForm] = useState(initial)
  const [base, setBase] = useState(p.updatedAt)
  // The profile changed (saved here or elsewhere): start from what it holds now.
  if (base !== p.updatedAt) {
    setBase(p.updatedAt)
    setForm(initial)
  }
  const lines = (text: string) => [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))]
  const save = useMutation({
    mutationFn: () =>
      api.put<PersonChange>(at(id, '/preferences'), {
        categories: { liked: lines(form.likedCategories), disliked: lines(form.dislikedCategories) },
        brands: { liked: lines(form.likedBrands), disliked: lines(form.dislikedBrands) },
        notForMe: lines(form.notForMe),
      }),
    onSuccess: (reply) => onChanged(reply),
  })
  const field = (key: keyof typeof form, label: string) => <Lines label={label} value={form[key]} readOnly={!editor} onChange={(v) => setForm({ ...form, [key]: v })} />
  const channels = Object.entries(p.communication)
  return (
    <Section title="Preferences">
      <p className="muted">
        Explicit preferences beat what the engine inferred: likes rank first, dislikes and items marked not for them never show. Last changed <When value={p.updatedAt} />.
        {editor ? '' : ' Viewers see them; editors change them.'}
      </p>
      <form
        className="grid-2"
        aria-label="Preferences"
        onSubmit={(e) => {
          e.preventDefault()
          save.mutate()
        }}
      >
        {field('likedCategories', 'Liked categories')}
        {field('dislikedCategories', 'Disliked categories')}
        {field('likedBrands', 'Liked brands')}
        {field('dislikedBrands', 'Disliked brands')}
        {field('notForMe', 'Items not for them (item ids)')}
        <div className="stack">
          <div>
            <strong>Communication</strong>
            {channels.length === 0 ? (
              <p className="muted">No channel opt-ins stated.</p>
            ) : (
              <ul className="plain-list">
                {channels.map(([channel, on]) => (
                  <li key={channel}>
                    {channel}: {on ? 'opted in' : 'opted out'}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <strong>Gifts</strong> <span className="muted">(left out of their tastes)</span>: {p.gifts.length === 0 ? <span className="muted">none</span> : p.gifts.join(', ')}
          </div>
          {editor && (
            <div className="row">
              <Button type="submit" busy={save.isPending}>
                Save preferences
              </Button>
            </div>
          )}
          <ChangeNote reply={save.data} error={save.error} />
        </div>
      </form>
    </Section>
  )
}
