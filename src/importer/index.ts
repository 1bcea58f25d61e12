/**
 * @module importer
 * Loading a shop's history from files: catalogue feeds, order lines and interaction logs become items
 * and the same events the Tracking API would have stored, written straight to the store. Dataset
 * presets make the public benchmark datasets load with one flag.
 */
export { importCatalog, ITEM_FIELDS, ATTRIBUTE_PREFIX } from './import-catalog.ts'
export type { CatalogImportOptions } from './import-catalog.ts'
export { importOrders, ORDER_FIELDS } from './import-orders.ts'
export type { OrderImportOptions } from './import-orders.ts'
export { importEvents, EVENT_FIELDS, EVENT_TYPES } from './import-events.ts'
export type { EventImportOptions, EventType } from './import-events.ts'
export { FILE_FORMATS, parseMapOption, usageError } from './import-options.ts'
export type { CommonImportOptions, FileFormat, ImportProgress } from './import-options.ts'
export { formatSummary } from './import-summary.ts'
export type { ImportProblem, ImportSummary } from './import-summary.ts'
export { PRESETS, withPreset } from './presets.ts'
export type { ImportCommand, OptionsByCommand } from './presets.ts'
export { parseTimestamp, parseTimezoneOffset } from './timestamps.ts'
