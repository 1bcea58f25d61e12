/**
 * Identifiers a person is known by, and how they are read off an event. Values are normalised so the
 * same address typed twice is one identifier.
 */
import type { EventRecord } from '../core/index.ts'

export const IDENTIFIER_TYPES = ['user_id', 'email', 'external', 'device_id', 'anonymous_id'] as const
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number]

export interface Identifier {
  type: IdentifierType
  value: string
}

/** Stronger identifiers decide where an event goes when its identifiers disagree. */
export const RANK: Record<IdentifierType, number> = { user_id: 5, email: 4, external: 3, device_id: 2, anonymous_id: 1 }

/**
 * Identifiers of a browser or device rather than of a human: on a shared device they move to the person
 * who uses it now; identifiers of a human (user id, email, external ids) never move.
 */
export const DEVICE_LIKE: ReadonlySet<IdentifierType> = new Set(['anonymous_id', 'device_id'])

export function identifierKey(id: { type: string; value: string }): string {
  return `${id.type}\u0000${id.value}`
}

export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase()
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null
}

/** Parses "type:value" as API paths and query strings take it (e.g. "email:ann@example.com"). */
export function parseIdentifier(type: string, value: string): Identifier | null {
  if (!(IDENTIFIER_TYPES as readonly string[]).includes(type)) return null
  const v = type === 'email' ? normalizeEmail(value) : value.trim()
  return v ? { type: type as IdentifierType, value: v } : null
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined
}

function text(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return typeof v === 'string' && v.trim() !== '' && v.length <= 255 ? v.trim() : null
}

/**
 * The identifiers an event carries, strongest first, without repeats: userId, an email in traits or
 * properties, Segment's `context.externalIds`, `context.device.id`, anonymousId.
 */
export function identifiersOf(e: EventRecord): Identifier[] {
  const m = e.message
  const out: Identifier[] = []
  const add = (type: IdentifierType, value: string | null) => {
    if (value !== null && !out.some((o) => o.type === type && o.value === value)) out.push({ type, value })
  }
  add('user_id', e.userId)
  for (const source of [field(m, 'traits'), field(field(m, 'context'), 'traits'), e.kind.startsWith('email_') ? field(m, 'properties') : undefined]) {
    const raw = text(field(source, 'email'))
    if (raw !== null) add('email', normalizeEmail(raw))
  }
  const external = field(field(m, 'context'), 'externalIds')
  if (Array.isArray(external)) {
    for (const x of external.slice(0, 10)) {
      const id = text(field(x, 'id'))
      const type = text(field(x, 'type'))
      if (id !== null && type !== null) add('external', `${type}:${id}`)
    }
  }
  add('device_id', text(field(field(field(m, 'context'), 'device'), 'id')))
  add('anonymous_id', e.anonymousId)
  return out.sort((a, b) => RANK[b.type] - RANK[a.type])
}
