/**
 * The segment and computed-trait routes the Segments pages call, and the query keys they share (so a
 * change invalidates every view of it). Types come from the server's api-types.
 */
import type { QueryClient } from '@tanstack/react-query'
import { api, query } from './api.ts'
import type {
  CreateDefinitionBody,
  DefinitionVersions,
  SegmentList,
  SegmentMembersPage,
  SegmentPreview,
  SegmentSizes,
  SegmentView,
  TraitList,
  TraitView,
} from '../../src/server/api-types.ts'

export type { DefinitionVersions, PersonRef, PersonSegments, SegmentMember, SegmentPreview, SegmentView, TraitView } from '../../src/server/api-types.ts'

const seg = (id: string, rest = '') => `/v1/segments/${encodeURIComponent(id)}${rest}`
const trait = (id: string) => `/v1/traits/${encodeURIComponent(id)}`

export const segmentApi = {
  list: () => api.get<SegmentList>('/v1/segments'),
  get: (id: string) => api.get<SegmentView>(seg(id)),
  versions: (id: string) => api.get<DefinitionVersions>(seg(id, '/versions')),
  members: (id: string, cursor: string) => api.get<SegmentMembersPage>(seg(id, `/members${query({ limit: 25, cursor })}`)),
  sizes: (id: string, from: number, to: number) => api.get<SegmentSizes>(seg(id, `/sizes${query({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`)),
  csvHref: (id: string) => seg(id, '/members.csv'),
  create: (body: SegmentInput) => api.post<SegmentView>('/v1/segments', body),
  update: (id: string, body: SegmentInput & { expectedVersion: number }) => api.put<SegmentView>(seg(id), body),
  remove: (id: string) => api.delete(seg(id)),
  restoreBuiltIns: () => api.post<SegmentList>('/v1/segments/built-ins'),
  preview: (definition: unknown, signal?: AbortSignal) => api.post<SegmentPreview>('/v1/segments/preview', { definition, sample: 10 }, signal),
  traits: () => api.get<TraitList>('/v1/traits'),
  trait: (id: string) => api.get<TraitView>(trait(id)),
  createTrait: (body: SegmentInput) => api.post<TraitView>('/v1/traits', body),
  updateTrait: (id: string, body: SegmentInput & { expectedVersion: number }) => api.put<TraitView>(trait(id), body),
  removeTrait: (id: string) => api.delete(trait(id)),
}

/** What staff send to create or change a segment or trait. */
export type SegmentInput = Required<CreateDefinitionBody>

/** After a change: every list, page and person view that shows segments or traits. */
export async function invalidateSegments(client: QueryClient): Promise<void> {
  await Promise.all([client.invalidateQueries({ queryKey: ['segments'] }), client.invalidateQueries({ queryKey: ['traits'] }), client.invalidateQueries({ queryKey: ['person'] })])
}

/** After a delete: the lists and person views (the deleted one's own queries are removed, not refetched). */
export async function invalidateLists(client: QueryClient): Promise<void> {
  await Promise.all([client.invalidateQueries({ queryKey: ['segments', 'list'] }), client.invalidateQueries({ queryKey: ['traits', 'list'] }), client.invalidateQueries({ queryKey: ['person'] })])
}
