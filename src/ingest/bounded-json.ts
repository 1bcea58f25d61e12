/**
 * JSON text of a parsed value, cut at `maxChars`: the copy of a refused message that is kept. Written
 * without recursion (a refused message may be nested far deeper than JSON.stringify's stack allows) and
 * stopping as soon as the cap is reached, so a huge message costs no more than its first `maxChars`.
 */
export interface BoundedJson {
  text: string
  /** True when the value did not fit: `text` is then its first `maxChars` characters, not valid JSON. */
  truncated: boolean
}

type Frame = { kind: 'array'; items: readonly unknown[]; i: number } | { kind: 'object'; obj: Record<string, unknown>; keys: string[]; i: number; wrote: boolean }

export function boundedJson(value: unknown, maxChars: number): BoundedJson {
  let out = ''
  const full = () => out.length > maxChars
  const scalar = (v: unknown): string | undefined => {
    if (v === null) return 'null'
    switch (typeof v) {
      case 'string':
        // Only the part that can fit is escaped (one more character tells "cut" from "fits").
        return JSON.stringify(v.length > maxChars ? v.slice(0, maxChars + 1) : v)
      case 'number':
        return Number.isFinite(v) ? String(v) : 'null'
      case 'boolean':
        return String(v)
      case 'bigint':
        return v.toString()
      case 'object':
        return undefined
      default:
        return 'null' // undefined, functions, symbols: not in parsed JSON; written as null
    }
  }
  const stack: Frame[] = []
  const open = (v: unknown): void => {
    const s = scalar(v)
    if (s !== undefined) {
      out += s
      return
    }
    if (Array.isArray(v)) {
      out += '['
      stack.push({ kind: 'array', items: v, i: 0 })
    } else {
      out += '{'
      stack.push({ kind: 'object', obj: v as Record<string, unknown>, keys: Object.keys(v as object), i: 0, wrote: false })
    }
  }
  open(value)
  while (stack.length > 0 && !full()) {
    const top = stack[stack.length - 1]!
    if (top.kind === 'array') {
      if (top.i >= top.items.length) {
        out += ']'
        stack.pop()
        continue
      }
      if (top.i > 0) out += ','
      open(top.items[top.i++])
    } else {
      // Properties whose value is undefined are left out, as JSON.stringify does.
      while (top.i < top.keys.length && top.obj[top.keys[top.i]!] === undefined) top.i++
      if (top.i >= top.keys.length) {
        out += '}'
        stack.pop()
        continue
      }
      const key = top.keys[top.i++]!
      out += `${top.wrote ? ',' : ''}${JSON.stringify(key.length > maxChars ? key.slice(0, maxChars + 1) : key)}:`
      top.wrote = true
      open(top.obj[key])
    }
  }
  if (!full()) return { text: out, truncated: false }
  let text = out.slice(0, maxChars)
  // Never end on half a surrogate pair.
  const last = text.charCodeAt(text.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1)
  return { text, truncated: true }
}
