/**
 * The segment engine on a real SQLite file with the real projector and a clock the test moves: events
 * are built from Segment calls (the ingest's own normalisation), stored, applied by the projector and
 * handed to `onPeople` as the worker does; the audience events the engine appends are applied too.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { EventRecord, ItemInput } from '../../src/core/index.ts'
import { MemoryHotState } from '../../src/hot-state/index.ts'
import { DEFAULT_LIMITS } from '../../src/identity/index.ts'
import { toEventRecord } from '../../src/ingest/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector } from '../../src/profiles/index.ts'
import { SegmentEngine } from '../../src/segments/index.ts'
import { type SegmentDefinitionRecord, SqliteStore } from '../../src/storage/index.ts'
import type { Json } from './events.ts'

export const DAY = 86_400_000

export interface SegmentHarness {
  store: SqliteStore
  engine: SegmentEngine
  projector: ProfileProjector
  /** The engine's clock (ms); set it to move time. */
  now: number
  consentDefaults: Record<string, boolean>
  /** Every audience event the engine appended, in order. */
  audience: EventRecord[]
  /** The next this many appends fail (before anything is stored), as a crash or an outage would. */
  failAppends: number
  /** Stores Segment calls (timestamps default to `now`), applies them and evaluates whom they touched. */
  send(calls: Json[]): Promise<void>
  /** Defines a segment or computed trait (version 1, enabled) and reloads the engine. */
  define(kind: 'segment' | 'trait', key: string, definition: unknown, options?: { name?: string }): Promise<SegmentDefinitionRecord>
  items(items: ItemInput[]): Promise<void>
  /** Segment keys of a person, sorted. */
  segmentsOf(personId: string): Promise<string[]>
  /** The root person of a user id. */
  personOf(userId: string): Promise<string>
  close(): Promise<void>
}

let messages = 0

export async function segmentHarness(options: { consentDefaults?: Record<string, boolean>; start?: number } = {}): Promise<SegmentHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-segments-'))
  const store = new SqliteStore(path.join(dir, 'segments.db'))
  await store.migrate()
  const projector = new ProfileProjector(store, new MemoryHotState(), { halfLifeMs: 30 * DAY, weights: DEFAULT_WEIGHTS, consentDefaults: options.consentDefaults ?? { personalization: true }, limits: DEFAULT_LIMITS })
  const pending: EventRecord[] = []
  const h = {} as SegmentHarness
  const engine = new SegmentEngine(store, {
    now: () => h.now,
    consentDefaults: () => h.consentDefaults,
    append: async (records) => {
      if (h.failAppends > 0) {
        h.failAppends -= 1
        throw new Error('append failed (test)')
      }
      await store.appendEvents(records)
      h.audience.push(...records)
      pending.push(...records)
    },
    halfLifeMs: 30 * DAY,
    onError: (error) => {
      throw error
    },
  })
  /** Applies what the engine appended (as the worker's next delivery would); it must touch nobody. */
  const settle = async () => {
    while (pending.length > 0) {
      const batch = pending.splice(0)
      const { touched, removed } = await projector.apply(batch)
      if (touched.length + removed.length > 0) throw new Error(`audience events touched ${[...touched, ...removed].join(', ')}`)
    }
  }
  Object.assign(h, {
    store,
    engine,
    projector,
    now: options.start ?? Date.UTC(2026, 0, 1),
    consentDefaults: options.consentDefaults ?? { personalization: true },
    audience: [],
    failAppends: 0,
    async send(calls: Json[]) {
      const records = calls.map((c) => {
        const raw = { messageId: `h-${process.pid}-${++messages}`, timestamp: new Date(h.now).toISOString(), ...c }
        const r = toEventRecord(raw, null, { receivedAt: h.now, batchSentAt: null, maxEventBytes: 32_000 })
        if (!r.ok) throw new Error(`${r.field}: ${r.message}`)
        return r.value
      })
      await store.appendEvents(records)
      const { touched, removed } = await projector.apply(records)
      await engine.onPeople([...touched, ...removed])
      await settle()
    },
    async define(kind: 'segment' | 'trait', key: string, definition: unknown, o: { name?: string } = {}) {
      const record = await store.segmentDefinitions.create(
        { id: `${kind === 'segment' ? 'seg' : 'trait'}_${key}`, kind, key, name: o.name ?? key, description: '', definition, builtIn: false, enabled: true, updatedBy: 'test' },
        h.now,
      )
      if (!record) throw new Error(`key ${key} taken`)
      await engine.reload()
      await settle()
      return record
    },
    async items(items: ItemInput[]) {
      await store.upsertItems(items, new Date(h.now))
    },
    async segmentsOf(personId: string) {
      return (await engine.segmentsOf(personId)).map((s) => s.key).sort()
    },
    async personOf(userId: string) {
      const [row] = await store.readPeople((tx) => tx.findIdentities([{ type: 'user_id', value: userId }]))
      if (!row) throw new Error(`no person for ${userId}`)
      const [person] = await store.readPeople((tx) => tx.getPeople([row.personId]))
      return person!.mergedInto ?? person!.id
    },
    async close() {
      await engine.stop()
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  })
  // tick and recompute append too: settle after them through these wrappers.
  const tick = engine.tick.bind(engine)
  engine.tick = async () => {
    const n = await tick()
    await settle()
    return n
  }
  const recompute = engine.recompute.bind(engine)
  engine.recompute = async (o) => {
    const r = await recompute(o)
    await settle()
    return r
  }
  return h
}
