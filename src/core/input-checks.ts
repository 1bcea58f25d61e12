/**
 * Shape checks shared by every intake (events, items, ids in paths): how deep a JSON value nests and
 * whether a string is well-formed UTF-16. Both are iterative or linear, so hostile input cannot
 * overflow the stack while being checked.
 */

/**
 * Most levels of objects and arrays in one event or item, the record itself being level 1. Segment
 * states no limit; real payloads stay under ten, and 32 keeps every later recursive walk (serialising,
 * validating, copying) far from the stack's end.
 */
export const MAX_NESTING = 32

/**
 * The path to the first object or array deeper than `limit` levels (`value` is level 1), e.g.
 * `["properties", "a", "a"]`; null when the value stays within it. Walks with its own stack, keeping
 * only depths on the way (this runs for every event); the path is traced only for a value refused.
 */
export function tooDeepAt(value: unknown, limit = MAX_NESTING): string[] | null {
  if (typeof value !== 'object' || value === null) return null
  const nodes: object[] = [value]
  const depths: number[] = [1]
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>
    const depth = depths.pop()!
    if (depth > limit) return pathDeeperThan(value, limit)
    for (const key of Object.keys(node)) {
      const child = node[key]
      if (typeof child === 'object' && child !== null) {
        nodes.push(child)
        depths.push(depth + 1)
      }
    }
  }
  return null
}

/** The keys down to the first node below `limit` levels; the walk never goes deeper than that. */
function pathDeeperThan(value: object, limit: number): string[] {
  const pending: { node: object; path: string[] }[] = [{ node: value, path: [] }]
  while (pending.length > 0) {
    const { node, path } = pending.pop()!
    if (path.length >= limit) return path
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key]
      if (typeof child === 'object' && child !== null) pending.push({ node: child, path: [...path, key] })
    }
  }
  return []
}

/** "properties.a.a…": a too-deep path cut to its first segments, for error messages. */
export function describeDeepPath(path: readonly string[]): string {
  const shown = path.slice(0, 3).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')
  return path.length > 3 ? `${shown}…` : shown
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** False for a string holding a lone surrogate ("\ud800"), which no UTF-8 store or URL can carry. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s)
}
