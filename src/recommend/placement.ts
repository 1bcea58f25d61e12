/**
 * Fills one placement: pinned items first, then each level of the strategy's fallback chain until `count`
 * items passed the filters, are new to the page and fit the diversity limits. Optionally explains, per
 * level, how many candidates were offered, examined and taken, and why the others were left out.
 */
import type { Item } from '../core/index.ts'
import { type PersonFacts, rejection } from './filters.ts'
import type { ItemCache } from './item-cache.ts'
import type { Placement } from './request.ts'
import { Diversity, rerank, rescores } from './rules.ts'
import { type Candidate, CHAINS, candidates, type SourceContext, type SourceName } from './sources.ts'
import { topCandidates } from './top.ts'

/** Candidates a level examines at most before giving up on it (filters may reject many). */
export const LEVEL_CANDIDATES = 400

/** What one level of the chain offered a placement (`explain`). */
export interface LevelExplanation {
  source: SourceName | 'pinned'
  /** Candidates the level offered that were not already on the page. */
  candidates: number
  examined: number
  taken: number
  /** Candidates left out, by reason: a filter ("out of stock", "bought", ...), "diversity", "not in the catalogue". */
  rejected: Record<string, number>
}

export interface PlacementEnv {
  items: ItemCache
  facts: PersonFacts
  /** Item ids already on the page (earlier placements); chosen items are added. */
  used: Set<string>
  isSensitive: (path: string) => boolean
  mayUseSensitive: boolean
}

export interface FilledPlacement {
  chosen: { item: Item; c: Candidate }[]
  servedBy: (SourceName | 'pinned')[]
  levels: LevelExplanation[]
}

export async function fillPlacement(p: Placement, ctx: SourceContext, env: PlacementEnv): Promise<FilledPlacement> {
  const count = p.count ?? 10
  const chosen: FilledPlacement['chosen'] = []
  const levels: LevelExplanation[] = []
  const { used } = env
  const context = new Set([ctx.itemId, ...(ctx.itemIds ?? [])].filter((x): x is string => x !== undefined))
  const diversity = new Diversity(p.rules)
  const level = (source: LevelExplanation['source']): LevelExplanation => ({ source, candidates: 0, examined: 0, taken: 0, rejected: {} })
  // Adds an item when it is new to the page, passes the filters and fits the diversity limits (pins count
  // towards the limits but are not held back by them).
  const take = (item: Item | undefined, c: Candidate, into: LevelExplanation, pinned = false): void => {
    into.examined += 1
    const why = !item
      ? 'not in the catalogue'
      : used.has(item.id) || context.has(item.id)
        ? 'already on the page'
        : !pinned && !diversity.allows(item)
          ? 'diversity'
          : rejection(item, p.filters ?? {}, env.facts, env.isSensitive, env.mayUseSensitive)
    if (why !== null || !item) {
      into.rejected[why!] = (into.rejected[why!] ?? 0) + 1
      return
    }
    used.add(item.id)
    diversity.add(item)
    chosen.push({ item, c })
    into.taken += 1
  }
  if (p.rules?.pin?.length) {
    const pinned = await env.items.get(p.rules.pin)
    const into = level('pinned')
    into.candidates = p.rules.pin.length
    for (const id of p.rules.pin) {
      if (chosen.length >= count) break
      take(pinned.get(id), { index: -1, score: 1, reason: { kind: 'featured' } }, into, true)
    }
    levels.push(into)
  }
  const rescoring = rescores(p.rules)
  const idOf = (c: Candidate) => ctx.artifact.items[c.index]!
  const fresh = (c: Candidate) => !used.has(idOf(c)) && !context.has(idOf(c))
  for (const source of CHAINS[p.strategy]) {
    if (chosen.length >= count) break
    const into = level(source)
    // A second, larger pass skips what the first examined.
    const seen = new Set<number>()
    // Most answers are full after a few dozen candidates, so a level first examines a few per item asked
    // for, and all LEVEL_CANDIDATES only when the filters rejected too many. Rules that rescore can lift
    // any candidate, so they see all of them at once.
    for (let limit = rescoring ? LEVEL_CANDIDATES : Math.min(LEVEL_CANDIDATES, Math.max(40, 5 * count)); ; limit = LEVEL_CANDIDATES) {
      const found = topCandidates(candidates(source, { ...ctx, limit: limit + used.size + context.size }).filter(fresh), limit)
      into.candidates = Math.max(into.candidates, found.length)
      // Rescoring needs every candidate's details; otherwise they are fetched a slice at a time.
      const all = rescoring ? await env.items.get(found.map(idOf)) : null
      const ordered = all ? rerank(found, (c) => all.get(idOf(c)), p.rules) : found
      const slice = Math.max(40, 4 * count)
      for (let start = 0; start < ordered.length && chosen.length < count; start += slice) {
        const part = ordered.slice(start, start + slice)
        const details = all ?? (await env.items.get(part.map(idOf)))
        for (const c of part) {
          if (chosen.length >= count) break
          if (seen.has(c.index)) continue
          seen.add(c.index)
          take(details.get(idOf(c)), c, into)
        }
      }
      if (chosen.length >= count || found.length < limit || limit >= LEVEL_CANDIDATES) break
    }
    levels.push(into)
  }
  return { chosen, servedBy: levels.filter((l) => l.taken > 0).map((l) => l.source), levels }
}
