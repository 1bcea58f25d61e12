// Starts a worker thread on a TypeScript module: threads do not inherit tsx's loader, so each registers
// it again before importing its entry (`workerData.entry`, a file URL).
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
