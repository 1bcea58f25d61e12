/**
 * Conformance of `store.segmentMembers`, run by `describeStore` on every backend (SQLite, PostgreSQL).
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { CLAIM_LEASE_MS } from './segment-members.ts'
import type { Store } from './store.ts'

const DAY = 86_400_000

export function describeSegmentMembers(storeOf: () => Store, open: () => Promise<Store>): void {
  let n = 0
  const tag = () => `sm${process.pid}-${++n}-${Math.random().toString(36).slice(2, 6)}`

  it('segment members: applies entries and exits once each, with history, and pages members by entry time', async () => {
    const m = storeOf().segmentMembers
    const seg = tag()
    const entries = ['c', 'a', 'b'].map((p, i) => ({ segmentId: seg, personId: `${seg}-${p}`, entered: true, at: 1000 + (i === 2 ? 0 : i) * 10, version: 1 }))
    const applied = await m.apply({ changes: entries, traits: [], recheck: [] })
    assert.equal(applied.length, 3)
    // The same entry again (another worker, a retry) takes no effect and writes no history.
    assert.deepEqual(await m.apply({ changes: [entries[0]!], traits: [], recheck: [] }), [])
    assert.equal(await m.count(seg), 3)
    const first = await m.members(seg, { limit: 2 })
    assert.deepEqual(first.items.map((r) => [r.personId, r.since]), [[`${seg}-b`, 1000], [`${seg}-c`, 1000]])
    assert.ok(first.next)
    const second = await m.members(seg, { limit: 2, cursor: first.next })
    assert.deepEqual(second.items.map((r) => r.personId), [`${seg}-a`])
    assert.equal(second.next, null)
    const exit = { segmentId: seg, personId: `${seg}-a`, entered: false, at: DAY + 5, version: 2 }
    assert.deepEqual(await m.apply({ changes: [exit], traits: [], recheck: [] }), [exit])
    assert.deepEqual(await m.apply({ changes: [exit], traits: [], recheck: [] }), [], 'an exit of a non-member does nothing')
    assert.equal(await m.count(seg), 2)
    assert.equal((await m.counts()).get(seg), 2)
    assert.deepEqual(await m.membershipsOf(`${seg}-c`), [{ segmentId: seg, personId: `${seg}-c`, since: 1000, version: 1 }])
    assert.deepEqual(await m.membershipsOf(`${seg}-a`), [])
    assert.deepEqual(await m.sizeHistory(seg, 0, 3 * DAY), [
      { day: 0, size: 3, entered: 3, exited: 0 },
      { day: DAY, size: 2, entered: 0, exited: 1 },
      { day: 2 * DAY, size: 2, entered: 0, exited: 0 },
    ])
    assert.deepEqual(await m.sizeHistory(seg, DAY, 2 * DAY), [{ day: DAY, size: 2, entered: 0, exited: 1 }], 'the size before the range counts')
    await assert.rejects(m.members(seg, { limit: 1, cursor: 'nonsense' }), /cursor/)
  })

  it('segment members: stores trait values as JSON, replaces and deletes them, in bulk reads too', async () => {
    const m = storeOf().segmentMembers
    const t = tag()
    const p = `${t}-p`
    await m.apply({
      changes: [],
      traits: [
        { traitId: `${t}-n`, personId: p, value: 3.5, updatedAt: 1 },
        { traitId: `${t}-l`, personId: p, value: ['a', 'ü ✓'], updatedAt: 1 },
        { traitId: `${t}-s`, personId: p, value: 'x', updatedAt: 1 },
      ],
      recheck: [],
    })
    await m.apply({ changes: [], traits: [{ traitId: `${t}-n`, personId: p, value: 4, updatedAt: 2 }, { traitId: `${t}-s`, personId: p, value: null, updatedAt: 2 }], recheck: [] })
    const values = await m.traitsOf(p)
    assert.deepEqual(values.map((v) => [v.traitId, v.value, v.updatedAt]), [[`${t}-l`, ['a', 'ü ✓'], 1], [`${t}-n`, 4, 2]])
    assert.deepEqual((await m.traitsOfPeople([p, `${t}-nobody`])).length, 2)
  })

  it('segment members: claims due re-evaluations soonest first, moves them on, and null removes them', async () => {
    const m = storeOf().segmentMembers
    const t = tag()
    const base = 5_000_000_000_000 + n * 1_000_000
    await m.apply({
      changes: [],
      traits: [],
      recheck: [
        { personId: `${t}-late`, at: base + 300 },
        { personId: `${t}-soon`, at: base + 100 },
        { personId: `${t}-mid`, at: base + 200 },
        { personId: `${t}-never`, at: base + 50 },
      ],
    })
    await m.apply({ changes: [], traits: [], recheck: [{ personId: `${t}-never`, at: null }] })
    const mine = (ids: string[]) => ids.filter((id) => id.startsWith(t))
    assert.deepEqual(mine(await m.claimDue(base + 250, 1000)), [`${t}-soon`, `${t}-mid`])
    assert.deepEqual(mine(await m.claimDue(base + 250, 1000)), [], 'claimed people are not handed out twice')
    assert.deepEqual(mine(await m.claimDue(base + 250 + CLAIM_LEASE_MS, 1000)), [`${t}-late`, `${t}-mid`, `${t}-soon`], 'a claim expires (its worker died)')
  })

  it('segment members: concurrent claims from two connections never share a person', async () => {
    const m = storeOf().segmentMembers
    const other = await open()
    try {
      const t = tag()
      const base = 6_000_000_000_000 + n * 1_000_000
      const people = Array.from({ length: 300 }, (_, i) => ({ personId: `${t}-${String(i).padStart(3, '0')}`, at: base + i }))
      await m.apply({ changes: [], traits: [], recheck: people })
      // Six workers on two connections, each claiming until nothing is left for it.
      const worker = async (i: number) => {
        const got: string[] = []
        for (let round = 0; round < 50; round++) {
          const ids = await (i % 2 ? other : storeOf()).segmentMembers.claimDue(base + 1000, 25)
          got.push(...ids)
          if (ids.length === 0 && round > 10) break
        }
        return got
      }
      const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => worker(i)))
      const all = claims.flat().filter((id) => id.startsWith(t))
      assert.equal(new Set(all).size, all.length, 'no person claimed twice')
      assert.equal(all.length, 300)
    } finally {
      await other.close()
    }
  })

  it('segment members: clears one definition, finds people without a profile', async () => {
    const m = storeOf().segmentMembers
    const t = tag()
    await m.apply({
      changes: [
        { segmentId: `${t}-a`, personId: `${t}-ghost`, entered: true, at: 1, version: 1 },
        { segmentId: `${t}-b`, personId: `${t}-ghost`, entered: true, at: 1, version: 1 },
      ],
      traits: [{ traitId: `${t}-a`, personId: `${t}-ghost`, value: 1, updatedAt: 1 }],
      recheck: [],
    })
    assert.ok((await m.withoutProfile(100_000)).includes(`${t}-ghost`))
    assert.ok((await m.definitionsInUse()).includes(`${t}-a`))
    await m.markEvaluated(`${t}-signature`)
    await m.markEvaluated(`${t}-signature-2`)
    assert.equal(await m.evaluated(), `${t}-signature-2`)
    await m.clear(`${t}-a`)
    assert.deepEqual((await m.membershipsOf(`${t}-ghost`)).map((r) => r.segmentId), [`${t}-b`])
    assert.deepEqual(await m.traitsOf(`${t}-ghost`), [])
    assert.deepEqual(await m.sizeHistory(`${t}-a`, 0, DAY), [{ day: 0, size: 0, entered: 0, exited: 0 }])
  })

  it('segment members: every applied change waits in the audience outbox until marked published', async () => {
    const m = storeOf().segmentMembers
    const t = tag()
    const mine = async () => (await m.pendingAudience(100_000)).filter((c) => c.segmentId.startsWith(t))
    // Far in the future: after the pending rows other tests may leave, so a small limit still reaches them.
    const at = 9_000_000_000_000 + n * 1000
    const a = { segmentId: `${t}-a`, personId: `${t}-p`, entered: true, at, version: 1 }
    const b = { segmentId: `${t}-b`, personId: `${t}-p`, entered: true, at: at + 1, version: 3 }
    assert.deepEqual(await m.apply({ changes: [b, a], traits: [], recheck: [] }), [b, a])
    assert.deepEqual(await mine(), [a, b], 'oldest first, as stored (numbers and booleans, not strings)')
    // A change that takes no effect (already a member) adds nothing to the outbox.
    assert.deepEqual(await m.apply({ changes: [{ ...a, at: at + 5 }], traits: [], recheck: [] }), [])
    assert.deepEqual(await mine(), [a, b])
    await m.markPublished([a])
    await m.markPublished([a, { ...b, at: at + 99 }]) // again, and an unknown one: nothing happens
    assert.deepEqual(await mine(), [b])
    const exit = { segmentId: `${t}-b`, personId: `${t}-p`, entered: false, at: at + 2, version: 3 }
    assert.deepEqual(await m.apply({ changes: [exit], traits: [], recheck: [] }), [exit])
    assert.deepEqual(await mine(), [b, exit], 'an entry and its exit are two pending events')
    await m.markPublished([b, exit])
    assert.deepEqual(await mine(), [])
    // History is the record of the change: marking leaves it alone.
    const day = Math.floor(at / DAY) * DAY
    assert.deepEqual(await m.sizeHistory(`${t}-b`, day, day + DAY), [{ day, size: 0, entered: 1, exited: 1 }])
  })

  it('segment members: the outbox pages by limit, many at once, and clearing a definition drops its pending events', async () => {
    const m = storeOf().segmentMembers
    const t = tag()
    const mine = async () => (await m.pendingAudience(100_000)).filter((c) => c.segmentId.startsWith(t))
    const at = 9_100_000_000_000 + n * 1000
    const changes = Array.from({ length: 450 }, (_, i) => ({ segmentId: `${t}-${i % 2 ? 'odd' : 'even'}`, personId: `${t}-${String(i).padStart(3, '0')}`, entered: true, at: at + i, version: 1 }))
    assert.equal((await m.apply({ changes, traits: [], recheck: [] })).length, 450)
    assert.equal((await mine()).length, 450)
    const first = await m.pendingAudience(3)
    assert.equal(first.length, 3)
    await m.clear(`${t}-odd`)
    const left = await mine()
    assert.equal(left.length, 225)
    assert.ok(left.every((c) => c.segmentId === `${t}-even`))
    await m.markPublished(left)
    assert.deepEqual(await mine(), [])
  })
}
