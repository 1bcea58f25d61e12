/** A pool worker: runs named tasks from `tasks.ts` on the arrays it is sent and answers with the result. */
import { parentPort } from 'node:worker_threads'
import { TASKS, type TaskName } from './tasks.ts'

interface Request {
  id: number
  name: TaskName
  args: unknown
}

const port = parentPort
if (!port) throw new Error('worker-entry.ts runs only as a worker thread')
port.on('message', (req: Request) => {
  try {
    const task = TASKS[req.name] as (args: unknown) => unknown
    port.postMessage({ id: req.id, result: task(req.args) })
  } catch (err) {
    port.postMessage({ id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  }
})
port.postMessage({ ready: true })
