/**
 * Keeps segment memberships and computed traits current. Three ways in, one evaluation pass:
 * - real time: after the projector applied a delivery, `onPeople` evaluates the people it touched (and the
 *   people merged away, who leave every segment);
 * - time: every pass stores when each person could next change without an event (a window edge); `tick`
 *   claims the people now due and evaluates them again;
 * - definitions: `reload` (polled on the definitions' stamp) evaluates everyone when what was evaluated
 *   last (a signature of ids and versions, kept in the store) is not what is defined now.
 * Every change that takes effect is appended to the log as Audience Entered / Exited, through an outbox: the
 * store keeps each change pending in the transaction that stores it, the pass appends the events after the
 * commit and then marks them; `start` and every `tick` append again whatever is still pending (a crash or a
 * failed append came between), and the log's deduplication by message id makes that harmless. Passes of one engine
 * run one at a time (a long recompute yields between its pages), so a person is never evaluated twice at
 * once by the same process; across processes the store's conditional writes keep history single.
 */
import { createHash } from 'node:crypto'
import { AttuneError, type EventRecord } from '../core/index.ts'
import type { MembershipChange, ProfileRow, Store } from '../storage/index.ts'
import { audienceEvent, type AudienceIds } from './audience-events.ts'
import { type CompiledSegment, compileSegment } from './compile-segment.ts'
import { compileTrait } from './compile-trait.ts'
import { type Compiled, type Definitions, evaluatePeople } from './evaluation-pass.ts'
import { evaluationOrder, ReferenceCycleError } from './evaluation-order.ts'
import { PROFILE_COLUMNS } from './facts.ts'
import { FactsLoader, type LoadPlan, planOf, StateNotLoaded } from './facts-loader.ts'
import { checkSegmentRule } from './rule-check.ts'

export interface SegmentEngineOptions {
  /** The clock (tests move it; default Date.now). */
  now?: () => number
  /** The shop's consent defaults, read at every pass (the stored settings over the configuration). */
  consentDefaults: () => Record<string, boolean>
  /** Appends audience events to the log (through the writer and the stream, like the people API's commands). */
  append: (records: EventRecord[]) => Promise<void>
  /** The affinity half-life, for rules on top categories. */
  halfLifeMs?: number
  /** People per bulk page of a recompute or preview (default 2000). */
  pageSize?: number
  /** Told of definitions that do not compile and of failed timer runs. */
  onError?: (error: unknown) => void
  /**
   * Whether `reload` evaluates everyone after a definition change (default true). An API node's engine, which
   * only answers reads and previews, passes false; `start` (the worker's) turns it on.
   */
  evaluateOnReload?: boolean
  /**
   * Tests only: called after a pass's changes are stored and before their audience events are appended
   * (`ATTUNE_TEST_FAULT=segments-after-apply` makes the server kill itself here, for the crash test).
   */
  afterStore?: (changes: readonly MembershipChange[]) => void
}

export interface RecomputeResult {
  people: number
  changes: number
  seconds: number
}

export interface PreviewResult {
  size: number
  population: number
  /** Person ids of up to `sample` members, in person-id order. */
  sample: string[]
  ms: number
}

export interface PersonSegment {
  id: string
  key: string
  name: string
  since: number
  version: number
}

/** Whether a JSON value has this key anywhere (a rule's condition kinds). */
function mentions(value: unknown, key: string): boolean {
  const stack = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v !== 'object' || v === null) continue
    if (!Array.isArray(v) && Object.hasOwn(v, key)) return true
    stack.push(...Object.values(v))
  }
  return false
}

const CLAIM_BATCH = 500
const REALTIME_BATCH = 5000
const TICK_MS = 1000
const POLL_MS = 3000

export class SegmentEngine {
  readonly #store: Store
  readonly #options: SegmentEngineOptions
  readonly #clock: () => number
  readonly #loader: FactsLoader
  #defs: (Definitions & { stamp: string; signature: string }) | null = null
  #reloading: Promise<void> | null = null
  #again: Promise<void> | null = null
  #queue: Promise<unknown> = Promise.resolve()
  #timers: NodeJS.Timeout[] = []
  #ticking = false
  #evaluates: boolean

  constructor(store: Store, options: SegmentEngineOptions) {
    this.#store = store
    this.#options = options
    this.#clock = options.now ?? Date.now
    this.#evaluates = options.evaluateOnReload ?? true
    this.#loader = new FactsLoader(store, options.consentDefaults, this.#clock)
  }

  /** Re-reads the definitions when their stamp moved; evaluates everyone when they differ from what was evaluated last. */
  reload(): Promise<void> {
    // A call during a reload may follow a change that reload did not see: one more runs after it.
    if (this.#reloading) {
      this.#again ??= this.#reloading.catch(() => {}).then(() => {
        this.#again = null
        return this.reload()
      })
      return this.#again
    }
    this.#reloading = this.#reload().finally(() => {
      this.#reloading = null
    })
    return this.#reloading
  }

  /** Evaluates these people now (real time: the roots a delivery touched and the people merged away). */
  async onPeople(personIds: readonly string[]): Promise<void> {
    if (personIds.length === 0) return
    await this.#ensure()
    const now = this.#clock()
    // One pass for a whole delivery where it fits: each pass is a write transaction (an fsync) and an append.
    for (let i = 0; i < personIds.length; i += REALTIME_BATCH) await this.#exclusive(() => this.#pass(personIds.slice(i, i + REALTIME_BATCH), now))
  }

  /**
   * Appends the audience events of changes stored but not marked as appended (the outbox: a crash or a failed
   * append between storing and announcing), oldest first; returns how many. `start` and every `tick` run it.
   */
  async republish(): Promise<number> {
    await this.#ensure()
    return this.#exclusive(async () => {
      let total = 0
      for (;;) {
        const pending = await this.#store.segmentMembers.pendingAudience(CLAIM_BATCH)
        if (pending.length === 0) break
        await this.#announce(pending)
        total += pending.length
        if (pending.length < CLAIM_BATCH) break
      }
      return total
    })
  }

  /** Evaluates the people whose re-evaluation is due (window edges passed); returns how many. */
  async tick(): Promise<number> {
    await this.#ensure()
    await this.republish()
    const now = this.#clock()
    let total = 0
    for (;;) {
      const ids = await this.#store.segmentMembers.claimDue(now, CLAIM_BATCH)
      if (ids.length === 0) break
      await this.#exclusive(() => this.#pass(ids, now))
      total += ids.length
      if (ids.length < CLAIM_BATCH) break
    }
    return total
  }

  /** Evaluates everyone against the current definitions, in bulk pages; the result is what real time keeps. */
  async recompute(opts: { now?: number } = {}): Promise<RecomputeResult> {
    const started = performance.now()
    this.#defs = null
    await this.#ensure(false)
    this.#loader.refresh()
    await this.#clearDeleted()
    const { people, changes } = await this.#everyone(opts.now ?? this.#clock())
    await this.#store.segmentMembers.markEvaluated(this.#defs!.signature)
    return { people, changes, seconds: (performance.now() - started) / 1000 }
  }

  /** Size and a sample of an unsaved rule over everyone, loading only what the rule reads. */
  async preview(rule: unknown, opts: { sample: number; now?: number }): Promise<PreviewResult> {
    const started = performance.now()
    const checked = checkSegmentRule(rule)
    if (!checked.ok) throw new AttuneError('invalid_field', checked.message, checked.field)
    await this.#ensure()
    const now = opts.now ?? this.#clock()
    const compiled = compileSegment({ id: 'preview', key: 'preview', definition: rule }, { halfLifeMs: this.#options.halfLifeMs })
    const plan = planOf([compiled.needs])
    const byId = this.#defs!.records
    const keyOf = (id: string) => byId.get(id)?.key
    const readsStored = compiled.needs.segments.length > 0 || compiled.needs.traits.length > 0
    const base = Math.max(this.#options.pageSize ?? 2000, 5000)
    // A rule with no profile condition, no inferred interest and no sensitive category never reads the
    // profile document: the scan then reads ids only (the documents are most of the cost).
    const isSensitive = await this.#loader.sensitivity()
    const sensitive = compiled.categories.some(isSensitive)
    let light = !mentions(rule, 'profile') && !compiled.inferred && !compiled.needs.rfm && !sensitive
    // Profile conditions on what the profiles' columns hold (orders, revenue, last order, personalization
    // consent; RFM is computed from them) are answered from those columns, without the documents.
    let columns = !light && !sensitive && (compiled.needs.profileFields ?? ['trait']).every((f) => PROFILE_COLUMNS.has(f))
    // Inferred interests are fine here: the stated personalization consent comes from the profiles' column.
    const onEvents = !mentions(rule, 'profile') && !compiled.needs.rfm && !compiled.categories.some(isSensitive)
    if (onEvents && !readsStored && !compiled.needs.prediction && (Number.isFinite(plan.lookbackMs) || plan.kinds !== null)) {
      const result = await this.#previewByEvents(compiled, plan, now, opts.sample)
      return { ...result, ms: Math.round(performance.now() - started) }
    }
    let size = 0
    let population = 0
    const sample: string[] = []
    for (let after = ''; ; ) {
      // Pages of columns are small to hold: larger ones save queries (measured; other pages showed no gain).
      const pageSize = columns ? base * 4 : base
      const cols = columns ? await this.#store.readPeople((tx) => tx.profileColumnsAfter(after, pageSize)) : null
      const rows = light || cols ? null : await this.#store.readPeople((tx) => tx.profilesAfter(after, pageSize))
      const ids = cols ? cols.map((c) => c.personId) : rows ? rows.map((r) => r.personId) : await this.#store.readPeople((tx) => tx.profileIdsAfter(after, pageSize))
      if (ids.length === 0) break
      const facts = await this.#loader.load(ids, plan, now, cols ? { columns: cols, page: true } : rows ? { rows, page: true } : { page: true, withoutState: true })
      // Segments and traits the rule names are read as stored (the engine keeps them current).
      if (readsStored) {
        for (const m of await this.#store.segmentMembers.membershipsOfPeople(ids)) {
          const key = keyOf(m.segmentId)
          const f = facts.get(m.personId)
          if (key && f) (f.memberOf as Set<string>).add(key)
        }
        for (const t of await this.#store.segmentMembers.traitsOfPeople(ids)) {
          const key = keyOf(t.traitId)
          const f = facts.get(t.personId)
          if (key && f) (f.traits as Map<string, unknown>).set(key, t.value)
        }
      }
      const inside: string[] = []
      try {
        for (const [personId, f] of facts) if (compiled.evaluate(f, now).value) inside.push(personId)
      } catch (error) {
        if (!(error instanceof StateNotLoaded)) throw error
        light = columns = false // read this page again, with the documents
        continue
      }
      population += ids.length
      size += inside.length
      sample.push(...inside.slice(0, Math.max(0, opts.sample - sample.length)))
      after = ids.at(-1)!
      if (ids.length < pageSize) break
    }
    return { size, population, sample, ms: Math.round(performance.now() - started) }
  }

  /**
   * A rule on events alone: only the people with events it reads are evaluated one by one (from the events'
   * index); everyone else has no such events, so one evaluation answers for all of them.
   */
  async #previewByEvents(compiled: CompiledSegment, plan: LoadPlan, now: number, sampleSize: number): Promise<Omit<PreviewResult, 'ms'>> {
    const { facts, empty } = await this.#loader.byEvents(plan, now)
    const counts = await this.#store.readPeople((tx) => tx.countProfiles())
    const byDefault = this.#options.consentDefaults().personalization === true
    const inside: string[] = []
    let consentingWithEvents = 0
    for (const [personId, f] of facts) {
      if (f.consents('personalization')) consentingWithEvents += 1
      if (compiled.evaluate(f, now).value) inside.push(personId)
    }
    inside.sort()
    // Everyone else has none of the events the rule reads: one answer with consent, one without.
    const consenting = counts.granted + (byDefault ? counts.profiles - counts.granted - counts.refused : 0) - consentingWithEvents
    const rest = counts.profiles - facts.size
    const withConsent = compiled.evaluate(empty('', true), now).value
    const withoutConsent = compiled.evaluate(empty('', false), now).value
    const size = inside.length + (withConsent ? consenting : 0) + (withoutConsent ? rest - consenting : 0)
    const sample = inside.slice(0, sampleSize)
    if (withConsent || withoutConsent) {
      // The rest of the sample from the people without events, in id order.
      for (let after = ''; sample.length < sampleSize; ) {
        const ids = await this.#store.readPeople((tx) => tx.profileIdsAfter(after, 1000))
        if (ids.length === 0) break
        const stated = await this.#store.readPeople((tx) => tx.personalizationOf(ids.filter((id) => !facts.has(id))))
        for (const [id, s] of stated) {
          const consent = s ?? byDefault
          if ((consent ? withConsent : withoutConsent) && sample.length < sampleSize) sample.push(id)
        }
        after = ids.at(-1)!
      }
    }
    return { size, population: counts.profiles, sample }
  }

  /** The segments a person is in now (enabled ones), with when they entered. */
  async segmentsOf(personId: string): Promise<PersonSegment[]> {
    await this.#ensure()
    const records = this.#defs!.records
    return (await this.#store.segmentMembers.membershipsOf(personId)).flatMap((m) => {
      const r = records.get(m.segmentId)
      return r && r.enabled ? [{ id: r.id, key: r.key, name: r.name, since: m.since, version: m.version }] : []
    })
  }

  /** A person's computed traits by key. */
  async traitValues(personId: string): Promise<Record<string, unknown>> {
    await this.#ensure()
    const records = this.#defs!.records
    const out: Record<string, unknown> = Object.create(null)
    for (const t of await this.#store.segmentMembers.traitsOf(personId)) {
      const r = records.get(t.traitId)
      if (r && r.enabled) out[r.key] = t.value
    }
    return out
  }

  /** Runs the scheduler (about every second) and the definitions' poll (every few seconds) in this process. */
  start(options: { tickMs?: number; pollMs?: number } = {}): void {
    if (this.#timers.length > 0) return
    this.#evaluates = true
    const report = (error: unknown) => this.#options.onError?.(error)
    const tick = setInterval(() => {
      if (this.#ticking) return
      this.#ticking = true
      this.tick()
        .catch(report)
        .finally(() => {
          this.#ticking = false
        })
    }, options.tickMs ?? TICK_MS)
    const poll = setInterval(() => void this.reload().catch(report), options.pollMs ?? POLL_MS)
    for (const t of [tick, poll]) t.unref()
    this.#timers = [tick, poll]
    // What a crash left in the outbox goes out first, before any new change.
    void this.reload()
      .then(() => this.republish())
      .catch(report)
  }

  /** Stops the timers and waits for the pass in hand. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t)
    this.#timers = []
    await this.#reloading?.catch(() => {})
    await this.#queue.catch(() => {})
  }

  async #ensure(evaluate = true): Promise<void> {
    if (!this.#defs) {
      if (evaluate) await this.reload()
      else this.#defs = await this.#read(await this.#stamp())
    }
  }

  /** Changes when a definition changes or a training run writes new predictions (cheap: two small reads). */
  async #stamp(): Promise<string> {
    return `${await this.#store.segmentDefinitions.stamp()}:${(await this.#store.predictions.version()) ?? ''}`
  }

  async #reload(): Promise<void> {
    const stamp = await this.#stamp()
    if (this.#defs && this.#defs.stamp === stamp) return
    const defs = await this.#read(stamp)
    this.#defs = defs
    const members = this.#store.segmentMembers
    if (!this.#evaluates) return
    await this.#clearDeleted()
    if ((await members.evaluated()) === defs.signature) return
    await this.#everyone(this.#clock())
    // Only if nothing changed meanwhile: a newer reload evaluates again.
    if (this.#defs === defs) await members.markEvaluated(defs.signature)
  }

  /** Memberships and values of definitions that were deleted go without audience events (the segment is gone). */
  async #clearDeleted(): Promise<void> {
    const members = this.#store.segmentMembers
    for (const id of await members.definitionsInUse()) if (!this.#defs!.records.has(id)) await members.clear(id)
  }

  async #read(stamp: string): Promise<Definitions & { stamp: string; signature: string }> {
    const list = await this.#store.segmentDefinitions.list()
    const records = new Map(list.map((r) => [r.id, r]))
    const compiled: Compiled[] = []
    for (const r of list) {
      if (!r.enabled) continue
      try {
        compiled.push(r.kind === 'segment' ? compileSegment(r, { halfLifeMs: this.#options.halfLifeMs }) : compileTrait(r))
      } catch (error) {
        this.#options.onError?.(new Error(`${r.kind} "${r.key}" is not evaluated: ${(error as Error).message}`))
      }
    }
    const order = this.#order(compiled)
    const needs = order.map((c) => c.needs)
    // New predictions change what segments on them give: everyone is evaluated again then.
    const predictions = needs.some((n) => n.prediction) ? stamp.slice(stamp.indexOf(':') + 1) : ''
    const signature = createHash('sha256')
      .update(JSON.stringify([list.map((r) => [r.id, r.version, r.enabled]).sort(), predictions]))
      .digest('base64url')
    return { stamp, signature, records, order, plan: planOf(needs), periodic: needs.some((n) => n.rfm || n.prediction) }
  }

  /** Dependency order; segments caught in a reference cycle are left out (and reported), the rest still run. */
  #order(compiled: Compiled[]): Compiled[] {
    for (let left = compiled; ; ) {
      try {
        return evaluationOrder(left)
      } catch (error) {
        if (!(error instanceof ReferenceCycleError)) throw error
        this.#options.onError?.(error)
        const cycle = new Set(error.cycle)
        left = left.filter((c) => c.kind !== 'segment' || !cycle.has(c.key))
      }
    }
  }

  /** Every profile in pages, then the people with memberships but no profile any more. */
  async #everyone(now: number): Promise<{ people: number; changes: number }> {
    const pageSize = this.#options.pageSize ?? 2000
    let people = 0
    let changes = 0
    for (let after = ''; ; ) {
      const rows = await this.#store.readPeople((tx) => tx.profilesAfter(after, pageSize))
      if (rows.length === 0) break
      after = rows.at(-1)!.personId
      people += rows.length
      changes += await this.#exclusive(() => this.#pass(rows.map((r) => r.personId), now, rows))
      if (rows.length < pageSize) break
    }
    for (let previous = ''; ; ) {
      const gone = await this.#store.segmentMembers.withoutProfile(pageSize)
      // The same people again: what is left is not ours to remove (a definition deleted meanwhile).
      if (gone.length === 0 || gone.join() === previous) break
      previous = gone.join()
      changes += await this.#exclusive(() => this.#pass(gone, now))
    }
    return { people, changes }
  }

  /** One pass over some people: facts in bulk, evaluation, the changes stored, then announced. */
  async #pass(personIds: readonly string[], now: number, rows?: readonly ProfileRow[]): Promise<number> {
    const defs = this.#defs!
    const members = this.#store.segmentMembers
    const facts = await this.#loader.load(personIds, defs.plan, now, rows ? { rows, page: true } : {})
    const [memberships, traits] = await Promise.all([members.membershipsOfPeople(personIds), members.traitsOfPeople(personIds)])
    const pass = evaluatePeople(defs, personIds, facts, memberships, traits, now)
    const applied = await members.apply(pass)
    if (applied.length > 0) {
      this.#options.afterStore?.(applied)
      await this.#announce(applied)
    }
    return applied.length
  }

  /**
   * Appends the audience events of stored changes, then marks them appended (they leave the outbox). A
   * definition this engine has not read yet (created on another node since its last poll) is read from the
   * store; a change of one no longer stored has no event any more (the segment is gone) and is only marked.
   */
  async #announce(changes: readonly MembershipChange[]): Promise<void> {
    const records = new Map(this.#defs!.records)
    for (const id of new Set(changes.map((c) => c.segmentId))) {
      if (records.has(id)) continue
      const r = await this.#store.segmentDefinitions.get(id)
      if (r) records.set(id, r)
    }
    const known = changes.filter((c) => records.has(c.segmentId))
    if (known.length > 0) {
      const ids = await this.#audienceIds([...new Set(known.map((c) => c.personId))])
      await this.#options.append(
        known.map((c) => {
          const r = records.get(c.segmentId)!
          return audienceEvent(c, { key: r.key, name: r.name }, ids.get(c.personId) ?? { userId: null, anonymousId: null })
        }),
      )
    }
    await this.#store.segmentMembers.markPublished(changes)
  }

  /** Each person's user id, else an anonymous id, from their whole group. */
  async #audienceIds(personIds: readonly string[]): Promise<Map<string, AudienceIds>> {
    return this.#store.readPeople(async (tx) => {
      const rootOf = new Map(personIds.map((p) => [p, p]))
      for (const m of await tx.membersOf(personIds)) rootOf.set(m.id, m.mergedInto!)
      const out = new Map<string, AudienceIds>(personIds.map((p) => [p, { userId: null, anonymousId: null }]))
      for (const i of await tx.identitiesOf([...rootOf.keys()])) {
        const ids = out.get(rootOf.get(i.personId)!)!
        if (i.type === 'user_id') ids.userId ??= i.value
        if (i.type === 'anonymous_id') ids.anonymousId ??= i.value
      }
      return out
    })
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return run
  }
}
