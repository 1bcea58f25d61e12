import type { Category } from '../core/index.ts'

/**
 * Builds the category list from item counts and sensitivity marks. A path is sensitive when it or
 * any ancestor ("Health" for "Health > Vitamins") is marked; ancestors of used paths are listed too.
 */
export function categoryList(
  counts: readonly { path: string; count: number }[],
  marks: readonly { path: string; sensitive: boolean }[],
): Category[] {
  const marked = new Map(marks.map((m) => [m.path, m.sensitive]))
  const direct = new Map<string, number>()
  for (const { path, count } of counts) {
    const parts = path.split(' > ')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join(' > ')
      direct.set(prefix, (direct.get(prefix) ?? 0) + (i === parts.length ? count : 0))
    }
  }
  for (const path of marked.keys()) if (!direct.has(path)) direct.set(path, 0)
  // Item counts roll up: a parent counts its own items plus its descendants' (an item may be counted
  // under two children, so this is an upper bound for parents; exact for leaves).
  const rolled = new Map<string, number>()
  for (const [path, count] of direct) {
    const parts = path.split(' > ')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join(' > ')
      rolled.set(prefix, (rolled.get(prefix) ?? 0) + count)
    }
  }
  return [...direct.keys()].sort().map((path) => {
    const parts = path.split(' > ')
    let inherited = false
    for (let i = 1; i < parts.length; i++) if (marked.get(parts.slice(0, i).join(' > '))) inherited = true
    return {
      path,
      sensitive: marked.get(path) === true || inherited,
      inheritedSensitive: inherited,
      itemCount: rolled.get(path) ?? 0,
    }
  })
}

/** True when a category path is sensitive given the category list's marks. */
export function isSensitivePath(path: string, sensitivePaths: ReadonlySet<string>): boolean {
  const parts = path.split(' > ')
  for (let i = 1; i <= parts.length; i++) if (sensitivePaths.has(parts.slice(0, i).join(' > '))) return true
  return false
}
