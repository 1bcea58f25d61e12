/**
 * @module catalog
 * Items, their categories (with sensitivity marks) and availability.
 */
export { CatalogService, MAX_ITEMS_PER_BATCH } from './catalog-service.ts'
export type { UpsertOutcome } from './catalog-service.ts'
export { ItemInputSchema, checkItem, normalizeCategoryPath } from './item-schema.ts'
