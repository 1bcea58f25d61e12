/**
 * The types of the API's requests and replies, for the dashboard (imported type-only): one source of types,
 * the TypeBox schemas the routes validate and serialise with.
 */
export type * from './routes/keys.ts'
export type * from './routes/settings.ts'
