// Worker threads cannot load .ts files on their own: register tsx's loader in this thread first, then
// load the TypeScript entry named by the pool (src/models/kernels/worker-entry.ts).
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
