/**
 * Computed traits (secret key; staff viewers read, editors change): the CRUD of definition-routes.ts at
 * /v1/traits. Their values are on GET /v1/people/{id} (`computedTraits`) and usable in segment rules.
 */
import { TraitDefinitionSchema } from '../../segments/index.ts'
import { definitionChecks } from '../segment-definition-checks.ts'
import type { RouteContext } from './context.ts'
import { definitionRoutes, isoView } from './definition-routes.ts'
import { TraitList, TraitView } from './segment-schemas.ts'

export function traitRoutes(ctx: RouteContext) {
  const { store } = ctx.engine
  return definitionRoutes(ctx, {
    kind: 'trait',
    base: '/v1/traits',
    definitionSchema: TraitDefinitionSchema,
    listReply: TraitList,
    viewReply: TraitView,
    views: async (records) => records.map(isoView),
    checks: definitionChecks(store),
    afterDelete: (id) => store.segmentMembers.clear(id),
  })
}
