/**
 * The API's request and response types, for the dashboard (imported type-only: nothing of the server is bundled).
 */
export type * from './routes/events.ts'
export type * from './routes/data-quality.ts'
