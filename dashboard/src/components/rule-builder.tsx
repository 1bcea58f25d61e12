/**
 * The rule builder: all / any / not groups holding conditions, each a small form (rule-conditions.tsx),
 * and a JSON tab for the whole rule. Nodes the forms do not cover stay JSON and are edited as text in
 * place. The field a 400 named (e.g. `definition.all[2].event.within`) marks the node it points into.
 */
import { useId, useState } from 'react'
import { blank, type Json, type JsonObject, KIND_NAMES, kindOf, type NodeKind } from '../rule-shapes.ts'
import { Button, SelectField } from './form.tsx'
import { AbandonmentEditor, EventEditor } from './rule-conditions.tsx'
import { ComputedEditor, PredictionEditor, ProfileEditor, RfmEditor, SegmentEditor } from './rule-profile.tsx'

export interface BuilderContext {
  readOnly: boolean
  /** Keys and names of the other segments (for "member of a segment") and of the computed traits. */
  segments: readonly { key: string; name: string }[]
  traits: readonly { key: string; name: string }[]
  /** The JSON path a 400 named, relative to the rule (`all[2].event.within`), or null. */
  errorPath: string | null
  errorMessage: string
}

/** `definition.all[0]` / `rule.all[0]` → `all[0]`: the API names the rule's field inside the body. */
export function rulePath(field: string | undefined): string | null {
  if (!field) return null
  const match = /^(definition|rule)(\.|$)/.exec(field)
  return match ? field.slice(match[0].length) : null
}

const ADDABLE: Exclude<NodeKind, 'json'>[] = ['event', 'abandonment', 'profile', 'rfm', 'prediction', 'computed', 'segment', 'all', 'any', 'not']

export function RuleBuilder({ value, onChange, context }: { value: Json; onChange(next: Json): void; context: BuilderContext }) {
  const [tab, setTab] = useState<'visual' | 'json'>('visual')
  const base = useId()
  const tabs = [
    { id: 'visual', label: 'Visual builder' },
    { id: 'json', label: 'JSON' },
  ] as const
  return (
    <div className="rule-builder">
      <div
        className="tabs"
        role="tablist"
        aria-label="How to edit the rule"
        onKeyDown={(e) => {
          // Arrow keys move between the two tabs, as in every tab list.
          if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return
          const next = tab === 'visual' ? 'json' : 'visual'
          setTab(next)
          document.getElementById(`${base}-${next}`)?.focus()
        }}
      >
        {tabs.map((t) => (
          <button key={t.id} type="button" role="tab" id={`${base}-${t.id}`} aria-controls={`${base}-${t.id}-panel`} aria-selected={tab === t.id} tabIndex={tab === t.id ? 0 : -1} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {/* Both panels stay mounted (each tab controls one); the JSON follows the builder and back. */}
      <div role="tabpanel" id={`${base}-visual-panel`} aria-labelledby={`${base}-visual`} hidden={tab !== 'visual'}>
        <NodeEditor node={value} onChange={onChange} path="" label="Rule" context={context} />
      </div>
      <div role="tabpanel" id={`${base}-json-panel`} aria-labelledby={`${base}-json`} hidden={tab !== 'json'}>
        <JsonText label="The rule as JSON" value={value} onChange={onChange} readOnly={context.readOnly} rows={18} />
      </div>
    </div>
  )
}

interface NodeProps {
  node: Json
  onChange(next: Json): void
  onRemove?: () => void
  /** JSON path of this node inside the rule ('' for the rule itself). */
  path: string
  label: string
  context: BuilderContext
}

/** A condition shows the error when the 400 pointed at it or inside it; a group only when it pointed at the group. */
function errorAt(path: string, leaf: boolean, context: BuilderContext): string | null {
  const at = context.errorPath
  if (at === null) return null
  const hit = at === path || (leaf && (path === '' || at.startsWith(`${path}.`) || at.startsWith(`${path}[`)))
  return hit ? context.errorMessage : null
}

export function NodeEditor({ node, onChange, onRemove, path, label, context }: NodeProps) {
  const kind = kindOf(node)
  const error = errorAt(path, kind !== 'all' && kind !== 'any' && kind !== 'not', context)
  const remove = onRemove && !context.readOnly && (
    <Button variant="secondary" className="small" onClick={onRemove}>
      Remove {label.toLowerCase()}
    </Button>
  )
  const body = (() => {
    const o = node as JsonObject
    switch (kind) {
      case 'all':
      case 'any':
        return <GroupBody kind={kind} items={o[kind] as Json[]} onChange={onChange} path={path} context={context} />
      case 'not':
        return <NodeEditor node={o.not!} onChange={(next) => onChange({ not: next })} path={join(path, 'not')} label="Negated condition" context={context} />
      case 'event':
        return <EventEditor value={o.event as JsonObject} onChange={(next) => onChange({ event: next })} readOnly={context.readOnly} />
      case 'abandonment':
        return <AbandonmentEditor value={o.abandonment as JsonObject} onChange={(next) => onChange({ abandonment: next })} readOnly={context.readOnly} />
      case 'profile':
        return <ProfileEditor value={o.profile as JsonObject} onChange={(next) => onChange({ profile: next })} readOnly={context.readOnly} />
      case 'rfm':
        return <RfmEditor value={o.profile as JsonObject} onChange={(next) => onChange({ profile: next })} readOnly={context.readOnly} />
      case 'prediction':
        return <PredictionEditor value={o.prediction as JsonObject} onChange={(next) => onChange({ prediction: next })} readOnly={context.readOnly} />
      case 'computed':
        return <ComputedEditor value={o.computed as JsonObject} onChange={(next) => onChange({ computed: next })} readOnly={context.readOnly} traits={context.traits} />
      case 'segment':
        return <SegmentEditor value={o.segment as JsonObject} onChange={(next) => onChange({ segment: next })} readOnly={context.readOnly} segments={context.segments} />
      case 'json':
        return <JsonText label="This condition as JSON" value={node} onChange={onChange} readOnly={context.readOnly} rows={5} hint="The visual builder does not cover this condition: edit its JSON (docs/segments.md)." />
    }
  })()
  return (
    <fieldset className={`rule-node rule-${kind}${error ? ' invalid' : ''}`}>
      <legend>
        {label}: {KIND_NAMES[kind]}
      </legend>
      {body}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {remove}
    </fieldset>
  )
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`)

function GroupBody({ kind, items, onChange, path, context }: { kind: 'all' | 'any'; items: Json[]; onChange(next: Json): void; path: string; context: BuilderContext }) {
  const [adding, setAdding] = useState<Exclude<NodeKind, 'json'>>('event')
  const set = (next: Json[], as: 'all' | 'any' = kind) => onChange({ [as]: next })
  return (
    <>
      <SelectField
        label="Match"
        value={kind}
        disabled={context.readOnly}
        onChange={(e) => set(items, e.target.value as 'all' | 'any')}
        options={[
          { value: 'all', label: 'All of these (and)' },
          { value: 'any', label: 'Any of these (or)' },
        ]}
      />
      {items.length === 0 && <p className="muted">No conditions yet{kind === 'all' ? ': everyone matches.' : ': no one matches.'}</p>}
      <ol className="rule-children">
        {items.map((child, i) => (
          // Conditions have no id of their own: their place is their identity while editing.
          <li key={i}>
            <NodeEditor
              node={child}
              path={`${join(path, kind)}[${i}]`}
              label={`Condition ${i + 1}`}
              context={context}
              onChange={(next) => set(items.map((c, j) => (j === i ? next : c)))}
              onRemove={() => set(items.filter((_, j) => j !== i))}
            />
          </li>
        ))}
      </ol>
      {!context.readOnly && (
        <div className="row">
          <SelectField label="New condition" value={adding} onChange={(e) => setAdding(e.target.value as typeof adding)} options={ADDABLE.map((k) => ({ value: k, label: KIND_NAMES[k] }))} />
          <Button variant="secondary" onClick={() => set([...items, blank(adding)])}>
            Add condition
          </Button>
        </div>
      )}
    </>
  )
}

/** JSON edited as text: the value changes only when the text parses, and says why when it does not. */
export function JsonText({ label, value, onChange, readOnly, rows, hint }: { label: string; value: Json; onChange(next: Json): void; readOnly: boolean; rows: number; hint?: string }) {
  const id = useId()
  const shown = JSON.stringify(value, null, 2)
  const [text, setText] = useState(shown)
  const [mine, setMine] = useState(value)
  const [problem, setProblem] = useState<string | null>(null)
  // The value changed elsewhere (the visual builder, a reload): show it.
  if (mine !== value) {
    setMine(value)
    setText(shown)
    setProblem(null)
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={rows}
        value={text}
        readOnly={readOnly}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value)
          try {
            const parsed = JSON.parse(e.target.value) as Json
            setProblem(null)
            setMine(parsed)
            onChange(parsed)
          } catch (error) {
            setProblem(`Not JSON yet: ${(error as Error).message}`)
          }
        }}
      />
      <small id={`${id}-hint`} className={problem ? 'field-error' : 'hint'}>
        {problem ?? hint ?? 'Changes apply as soon as the text is valid JSON.'}
      </small>
    </div>
  )
}
