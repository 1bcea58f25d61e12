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
 * `["properties", "a", "a"]`; null when the value stays within it. Walks with its own stack.
 */
export function tooDeepAt(value: unknown, limit = MAX_NESTING): string[] | null {
  const pending: { node: object; depth: number; path: string[] }[] = []
  if (typeof value === 'object' && value !== null) pending.push({ node: value, depth: 1, path: [] })
  while (pending.length > 0) {
    const { node, depth, path } = pending.pop()!
    if (depth > limit) return path
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key]
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1, path: [...path, key] })
    }
  }
  return null
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
