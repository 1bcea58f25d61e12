/**
 * The segment routes' replies. Until helper "api" exports their schemas in src/server/api-types.ts these
 * follow the storage contract (src/storage/segment-store.ts); then this file becomes re-exports.
 */
import type { SegmentDefinitionRecord, SegmentSizePoint } from '../../src/storage/segment-store.ts'

type Times = 'createdAt' | 'updatedAt'
/** A definition as the API sends it: times as ISO strings. */
export type DefinitionView = Omit<SegmentDefinitionRecord, Times> & { createdAt: string; updatedAt: string }

export type SegmentRow = DefinitionView & { size: number | null }
export interface SegmentList {
  data: SegmentRow[]
}
export type SegmentDetail = SegmentRow
export interface SegmentVersions {
  data: DefinitionView[]
}
export interface SegmentMember {
  personId: string
  since: string
  version: number
}
export interface SegmentMembersPage {
  data: SegmentMember[]
  nextCursor: string | null
}
export interface SegmentSizes {
  data: (Omit<SegmentSizePoint, 'day'> & { day: string })[]
}
export interface SegmentPreview {
  size: number
  population: number
  sample: string[]
  ms: number
}
export type TraitRow = DefinitionView
export interface TraitList {
  data: TraitRow[]
}
export type TraitDetail = TraitRow

/** What GET /v1/people/:id adds for the person page: their segments and computed trait values. */
export interface PersonSegmentsView {
  segments: { id: string; key: string; name: string; since: string }[]
  computedTraits: { id: string; key: string; name: string; value: unknown; updatedAt: string }[]
}
