/**
 * @module server
 * The HTTP API: app factory, engine composition, keys, errors, metrics and OpenAPI.
 */
export { buildApp } from './build-app.ts'
export type { BuildAppOptions } from './build-app.ts'
export { createEngine, type EngineOptions, profileSettings } from './engine.ts'
export { startWorkerThread, type WorkerThread } from './worker-thread.ts'
export type { Engine } from './engine.ts'
export { KeyRing, ensureKeys, signUserId } from './auth.ts'
export type { GeneratedKey } from './auth.ts'
