/**
 * A train/test split in the shape the models and metrics need: the training matrix with dense id maps,
 * and per test person the truth (item columns) and the items never to recommend. Every protocol ends
 * here, so the rules that all of them share (only training items are scored, unseen test items are
 * dropped, people left without truth are skipped) live in one place.
 */
import { type Csr, csrFromTriples, rowIndices } from '../models/index.ts'

export interface TestPerson {
  /** The person's row in the training matrix. */
  row: number
  /** Item columns the person interacted with in the test period, ascending. */
  truth: Int32Array
  /** Item columns never recommended to this person (their training items, unless re-purchases count). */
  exclude: Int32Array
}

export interface SplitCounts {
  trainPeople: number
  trainItems: number
  trainPairs: number
  /** People scored: with a training row and at least one truth item left. */
  testPeople: number
  /** Truth pairs scored. */
  testPairs: number
  /** Distinct test pairs before dropping items unseen in training (and, without re-purchases, items already had). */
  testPairsRaw: number
  /** People with test pairs before those rules. */
  testPeopleRaw: number
}

export interface Split {
  train: Csr
  /** How often each training cell occurred in the input (e.g. purchase lines), same shape as `train`. */
  occurrences: Csr
  /** Row index -> person id. */
  users: string[]
  /** Column index -> item id. */
  items: string[]
  test: TestPerson[]
  counts: SplitCounts
}

export interface TrainPair {
  user: string
  item: string
  /** Cell value; repeated pairs keep the largest. */
  value: number
}

export interface SplitInput {
  train: Iterable<TrainPair>
  /** Person -> items in the test period (repeats and unseen items allowed; the rules below apply). */
  test: Map<string, Iterable<string>>
  /**
   * False (the usual case): items a person has in training are never recommended to them and are not
   * part of their truth. True: re-purchases count, nothing is excluded.
   */
  repeats: boolean
}

const NUMERIC = /^-?\d+(\.\d+)?$/

/** Ids in a stable order: numerically when both look like numbers (MovieLens, Online Retail), else as text. */
export function compareIds(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) {
    const d = Number(a) - Number(b)
    if (d !== 0) return d
  }
  return a < b ? -1 : a > b ? 1 : 0
}

export function buildSplit(input: SplitInput): Split {
  // Deduplicate cells first: csrFromTriples would add repeated cells up.
  const cells = new Map<string, Map<string, number>>()
  const occurrences = new Map<string, Map<string, number>>()
  const itemSet = new Set<string>()
  for (const { user, item, value } of input.train) {
    let row = cells.get(user)
    if (!row) {
      cells.set(user, (row = new Map()))
      occurrences.set(user, new Map())
    }
    const old = row.get(item)
    if (old === undefined || value > old) row.set(item, value)
    const seen = occurrences.get(user)!
    seen.set(item, (seen.get(item) ?? 0) + 1)
    itemSet.add(item)
  }
  const users = [...cells.keys()].sort(compareIds)
  const items = [...itemSet].sort(compareIds)
  const userIndex = new Map(users.map((u, i) => [u, i]))
  const itemIndex = new Map(items.map((it, i) => [it, i]))
  const rows: number[] = []
  const cols: number[] = []
  const vals: number[] = []
  const times: number[] = []
  users.forEach((u, r) => {
    const seen = occurrences.get(u)!
    for (const [item, value] of cells.get(u)!) {
      rows.push(r)
      cols.push(itemIndex.get(item)!)
      vals.push(value)
      times.push(seen.get(item)!)
    }
  })
  const train = csrFromTriples(users.length, items.length, rows, cols, vals)
  const occurred = csrFromTriples(users.length, items.length, rows, cols, times)

  const test: TestPerson[] = []
  let testPairs = 0
  let testPairsRaw = 0
  let testPeopleRaw = 0
  const seen = new Uint8Array(items.length)
  for (const user of [...input.test.keys()].sort(compareIds)) {
    const distinct = new Set(input.test.get(user)!)
    if (distinct.size === 0) continue
    testPeopleRaw += 1
    testPairsRaw += distinct.size
    const row = userIndex.get(user)
    if (row === undefined) continue // only people seen in training are scored
    const had = rowIndices(train, row)
    if (!input.repeats) for (const c of had) seen[c] = 1
    const truth: number[] = []
    for (const item of distinct) {
      const c = itemIndex.get(item)
      if (c !== undefined && !seen[c]) truth.push(c)
    }
    for (const c of had) seen[c] = 0
    if (truth.length === 0) continue
    truth.sort((a, b) => a - b)
    test.push({ row, truth: Int32Array.from(truth), exclude: input.repeats ? new Int32Array(0) : had })
    testPairs += truth.length
  }
  return {
    train,
    occurrences: occurred,
    users,
    items,
    test,
    counts: {
      trainPeople: users.length,
      trainItems: items.length,
      trainPairs: train.indptr[train.rows]!,
      testPeople: test.length,
      testPairs,
      testPairsRaw,
      testPeopleRaw,
    },
  }
}
