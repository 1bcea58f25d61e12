/**
 * Conformance of `store.segmentDefinitions` (called by store.conformance.ts, so it runs on SQLite and
 * PostgreSQL): versions and their history, optimistic concurrency, keys unique per kind, the change stamp,
 * and the built-ins seeded once.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { SegmentDefinitionRecord } from './segment-store.ts'
import type { Store } from './store.ts'

let n = 0
const tag = () => `def_${process.pid}_${Date.now().toString(36)}_${++n}`

function definition(overrides: Partial<SegmentDefinitionRecord> = {}): Omit<SegmentDefinitionRecord, 'version' | 'createdAt' | 'updatedAt'> {
  const key = overrides.key ?? tag()
  return {
    id: `seg_${key}`,
    kind: 'segment',
    key,
    name: `Name of ${key}`,
    description: 'People who ✓ bought "shoes" <b>',
    definition: { all: [{ event: { kind: 'order_completed', within: { days: 30 } } }], note: 'ünïcode 😀', n: 1.5, none: null },
    builtIn: false,
    enabled: true,
    updatedBy: 'staff@example.com',
    ...overrides,
  }
}

export function describeSegmentDefinitions(store: () => Store): void {
  it('segment definitions: creates version 1, reads it back unchanged, lists by kind and key', async () => {
    const defs = store().segmentDefinitions
    const a = definition({ key: `b_${tag()}` })
    const b = definition({ key: `a_${tag()}` })
    const trait = definition({ id: `trait_${a.key}`, kind: 'trait', key: a.key, definition: { count: { kind: 'product_viewed' } } })
    const created = await defs.create(a, 1000)
    assert.deepEqual(created, { ...a, version: 1, createdAt: 1000, updatedAt: 1000 })
    assert.deepEqual(await defs.get(a.id), created)
    await defs.create(b, 2000)
    // The same key for another kind is another definition.
    assert.ok(await defs.create(trait, 3000))
    const segments = (await defs.list('segment')).filter((d) => [a.id, b.id].includes(d.id))
    assert.deepEqual(segments.map((d) => d.id), [b.id, a.id], 'by key')
    assert.ok((await defs.list('trait')).some((d) => d.id === trait.id))
    assert.ok(!(await defs.list('trait')).some((d) => d.id === a.id))
    const both = await defs.list()
    assert.ok(both.some((d) => d.id === trait.id) && both.some((d) => d.id === a.id))
    assert.equal(await defs.get('seg_no_such_definition'), null)
  })

  it('segment definitions: refuses a key taken for the same kind', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    await defs.create(a, 1000)
    assert.equal(await defs.create({ ...a, id: `${a.id}_other` }, 2000), null)
    assert.equal(await defs.get(`${a.id}_other`), null)
  })

  it('segment definitions: every update writes a version, keeps the history newest first, and honours expectedVersion', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    await defs.create(a, 1000)
    const change = { key: a.key, name: 'Renamed', description: 'd2', definition: { any: [] }, enabled: false }
    const v2 = await defs.update(a.id, change, { updatedBy: 'secret key k1', now: 2000, expectedVersion: 1 })
    assert.ok(v2 && typeof v2 === 'object')
    assert.equal(v2.version, 2)
    assert.equal(v2.createdAt, 1000)
    assert.equal(v2.updatedAt, 2000)
    assert.deepEqual(await defs.get(a.id), v2)
    assert.equal(await defs.update(a.id, { ...change, name: 'stale' }, { updatedBy: 'x', now: 3000, expectedVersion: 1 }), 'conflict')
    assert.equal((await defs.get(a.id))!.name, 'Renamed', 'a conflict writes nothing')
    // Without expectedVersion the change applies on top of whatever is there.
    const v3 = await defs.update(a.id, { ...change, name: 'Third' }, { updatedBy: 'y', now: 4000 })
    assert.ok(v3 && typeof v3 === 'object' && v3.version === 3)
    const history = await defs.versions(a.id)
    assert.deepEqual(history.map((h) => [h.version, h.name, h.updatedBy, h.enabled]), [
      [3, 'Third', 'y', false],
      [2, 'Renamed', 'secret key k1', false],
      [1, a.name, a.updatedBy, true],
    ])
    assert.deepEqual(history[2]!.definition, a.definition)
    assert.equal(await defs.update('seg_no_such_definition', change, { updatedBy: 'x', now: 1 }), null)
  })

  it('segment definitions: a key change to a key taken is refused; to a free key it moves', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    const b = definition()
    await defs.create(a, 1000)
    await defs.create(b, 1000)
    const change = { key: b.key, name: a.name, description: '', definition: a.definition, enabled: true }
    assert.equal(await defs.update(a.id, change, { updatedBy: 'x', now: 2000 }), 'key_taken')
    const free = `moved_${tag()}`
    const moved = await defs.update(a.id, { ...change, key: free }, { updatedBy: 'x', now: 2000 })
    assert.ok(moved && typeof moved === 'object' && moved.key === free)
    // The old key is free again.
    assert.ok(await defs.create({ ...definition({ key: a.key }), id: `${a.id}_again` }, 3000))
  })

  it('segment definitions: of two writers with the same expectedVersion, exactly one wins', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    await defs.create(a, 1000)
    const change = (name: string) => ({ key: a.key, name, description: '', definition: a.definition, enabled: true })
    const results = await Promise.all(['one', 'two', 'three', 'four'].map((name) => defs.update(a.id, change(name), { updatedBy: name, now: 2000, expectedVersion: 1 })))
    const won = results.filter((r) => typeof r === 'object' && r !== null)
    assert.equal(won.length, 1)
    assert.equal(results.filter((r) => r === 'conflict').length, 3)
    assert.equal((await defs.versions(a.id)).length, 2)
  })

  it('segment definitions: delete removes the definition and its history, once', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    await defs.create(a, 1000)
    await defs.update(a.id, { key: a.key, name: 'v2', description: '', definition: {}, enabled: true }, { updatedBy: 'x', now: 2000 })
    assert.equal(await defs.delete(a.id), true)
    assert.equal(await defs.get(a.id), null)
    assert.deepEqual(await defs.versions(a.id), [])
    assert.equal(await defs.delete(a.id), false)
  })

  it('segment definitions: the stamp moves with every change and with nothing else', async () => {
    const defs = store().segmentDefinitions
    const a = definition()
    const s0 = await defs.stamp()
    assert.equal(await defs.stamp(), s0, 'reading does not move it')
    await defs.create(a, 1000)
    const s1 = await defs.stamp()
    assert.notEqual(s1, s0)
    assert.equal(await defs.create(a, 1000), null)
    assert.equal(await defs.update(a.id, { key: a.key, name: 'x', description: '', definition: {}, enabled: true }, { updatedBy: 'x', now: 2, expectedVersion: 7 }), 'conflict')
    assert.equal(await defs.delete('seg_no_such_definition'), false)
    assert.equal(await defs.stamp(), s1, 'refused changes do not move it')
    await defs.update(a.id, { key: a.key, name: 'x', description: '', definition: {}, enabled: true }, { updatedBy: 'x', now: 2 })
    const s2 = await defs.stamp()
    assert.notEqual(s2, s1)
    // A delete and a create that leave the same count and versions still move it.
    const b = definition()
    await defs.delete(a.id)
    await defs.create(b, 2)
    const s3 = await defs.stamp()
    assert.ok(![s0, s1, s2].includes(s3))
  })

  it('segment definitions: built-ins are seeded once; a deleted one stays deleted until restored; the shop\'s keys are left alone', async () => {
    const defs = store().segmentDefinitions
    const t = tag()
    const seed = (key: string) => ({ id: `seg_builtin_${t}_${key}`, kind: 'segment' as const, key: `${t}_${key}`, name: `Built-in ${key}`, description: 'shipped', definition: { all: [] } })
    const seeds = [seed('premium'), seed('at_risk'), seed('taken')]
    // The shop defined "taken" itself before the built-ins arrived.
    await defs.create(definition({ key: `${t}_taken`, id: `seg_own_${t}` }), 500)
    const first = await defs.seedBuiltIns(seeds, 1000)
    assert.deepEqual(first.map((d) => d.key).sort(), [`${t}_at_risk`, `${t}_premium`])
    const premium = (await defs.get(seeds[0]!.id))!
    assert.equal(premium.builtIn, true)
    assert.equal(premium.enabled, true)
    assert.equal(premium.version, 1)
    assert.equal(premium.updatedBy, 'engine')
    assert.equal((await defs.get(`seg_own_${t}`))!.builtIn, false)
    const stamp = await defs.stamp()
    assert.deepEqual(await defs.seedBuiltIns(seeds, 2000), [], 'a second start seeds nothing')
    assert.equal(await defs.stamp(), stamp)
    // The shop edits one and deletes the other.
    await defs.update(premium.id, { key: premium.key, name: 'Our VIPs', description: '', definition: { any: [] }, enabled: true }, { updatedBy: 'x', now: 3000 })
    await defs.delete(seeds[1]!.id)
    assert.deepEqual(await defs.seedBuiltIns(seeds, 4000), [], 'a deleted built-in is not seeded again')
    assert.equal(await defs.get(seeds[1]!.id), null)
    // A new built-in shipped later is seeded at the next start.
    assert.deepEqual((await defs.seedBuiltIns([...seeds, seed('new')], 5000)).map((d) => d.key), [`${t}_new`])
    const restored = await defs.seedBuiltIns(seeds, 6000, { restore: true })
    assert.deepEqual(restored.map((d) => d.key), [`${t}_at_risk`])
    assert.equal((await defs.get(premium.id))!.name, 'Our VIPs', 'restoring leaves an edited built-in as it is')
    assert.equal((await defs.get(`seg_own_${t}`))!.builtIn, false)
  })

  it('segment definitions: concurrent seeding (every node starts at once) creates each built-in once', async () => {
    const defs = store().segmentDefinitions
    const t = tag()
    const seeds = ['a', 'b'].map((k) => ({ id: `seg_builtin_${t}_${k}`, kind: 'segment' as const, key: `${t}_${k}`, name: k, description: '', definition: {} }))
    const results = await Promise.all([1, 2, 3].map(() => defs.seedBuiltIns(seeds, 1000)))
    assert.equal(results.flat().length, 2)
    assert.equal((await defs.list('segment')).filter((d) => d.key.startsWith(t)).length, 2)
  })
}
