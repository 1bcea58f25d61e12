/**
 * The Tracking API's logic without HTTP: a single call or a batch in, per-event outcomes out.
 * Good events of a batch are committed even when others are rejected; rejected ones are reported by index.
 */
import { AttuneError, type CallType, type EventRecord, type RecordProblem } from '../core/index.ts'
import { parseTime } from './clock-skew.ts'
import type { EventPublisher } from './event-publisher.ts'
import type { EventWriter } from './event-writer.ts'
import type { Refusal, RejectedSink } from './rejected-recorder.ts'
import { toEventRecord } from './segment-message.ts'

export interface IngestOutcome {
  /** Events newly stored. */
  accepted: number
  /** Events already stored under the same messageId (retries), not stored again. */
  duplicates: number
  rejected: RecordProblem[]
}

export interface IngestOptions {
  maxEventBytes: number
  /** Most events in one batch (Segment does not cap the count; the 500 KB body limit does). */
  maxBatchEvents?: number
  now?: () => number
  /** Receives every committed request's events before it is acknowledged (the stream to the workers). */
  publisher?: EventPublisher
  /** Receives every refusal (single calls, batch members, unusable batch bodies) for the debugger. */
  rejected?: RejectedSink
}

/** Who sent a request: the key it was authorized with (recorded with its refusals). */
export interface IngestSource {
  keyId: string | null
}

export class IngestService {
  readonly #writer: EventWriter
  readonly #options: IngestOptions

  constructor(writer: EventWriter, options: IngestOptions) {
    this.#writer = writer
    this.#options = options
  }

  /**
   * Ingests the body of `/v1/{type}` (one message) or `/v1/batch` (`endpointType` null).
   * Throws AttuneError when the body as a whole is unusable; per-event problems are in the outcome.
   */
  async ingest(endpointType: CallType | 'batch', body: unknown, source: IngestSource = { keyId: null }): Promise<IngestOutcome> {
    const receivedAt = (this.#options.now ?? Date.now)()
    const refusals: Refusal[] = []
    let checked: { records: EventRecord[]; rejected: RecordProblem[] }
    try {
      checked = this.#check(endpointType, body, receivedAt, refusals)
    } catch (error) {
      if (error instanceof AttuneError) refusals.push({ index: null, code: error.code, field: error.field ?? null, message: error.message, raw: body })
      throw error
    } finally {
      // Recorded off the request path: never in the way of the good events, whatever the store does.
      if (refusals.length > 0) {
        try {
          this.#options.rejected?.record({ receivedAt, keyId: source.keyId, endpoint: endpointType, refusals })
        } catch {
          // Diagnostics only: a failure to keep a copy must not change the answer.
        }
      }
    }
    const { records, rejected } = checked

    const appended = await this.#writer.append(records)
    // Acknowledge only once the workers' stream has the events too; duplicates are republished so that a
    // retry after a failed publish still reaches the workers, which deduplicate by messageId.
    if (this.#options.publisher && records.length > 0) await this.#options.publisher.publish(records)
    return { accepted: appended.inserted, duplicates: appended.duplicates.length, rejected }
  }

  /** Checks every message; throws for an unusable body (or a refused single call), lists refused batch members. */
  #check(endpointType: CallType | 'batch', body: unknown, receivedAt: number, refusals: Refusal[]): { records: EventRecord[]; rejected: RecordProblem[] } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AttuneError('invalid_json', 'the request body must be a JSON object')
    }
    const ctx = { receivedAt, batchSentAt: null as number | null, maxEventBytes: this.#options.maxEventBytes }
    const rejected: RecordProblem[] = []
    const records: EventRecord[] = []

    if (endpointType === 'batch') {
      const { batch, sentAt, context } = body as { batch?: unknown; sentAt?: unknown; context?: unknown }
      if (!Array.isArray(batch)) throw new AttuneError('missing_field', 'batch must be an array of events', 'batch')
      const max = this.#options.maxBatchEvents ?? 10_000
      if (batch.length > max) throw new AttuneError('payload_too_large', `batch holds ${batch.length} events; at most ${max} are allowed`, 'batch')
      if (sentAt !== undefined && sentAt !== null) {
        ctx.batchSentAt = parseTime(sentAt)
        if (ctx.batchSentAt === null) throw new AttuneError('invalid_field', 'sentAt must be an ISO 8601 date-time', 'sentAt')
      }
      // Segment's batch-level context is shared by every call; a call's own context wins key by key.
      const shared = typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : null
      if (context !== undefined && context !== null && shared === null) throw new AttuneError('invalid_field', 'context must be an object', 'context')
      batch.forEach((raw, index) => {
        const result = toEventRecord(withSharedContext(raw, shared), null, ctx)
        if (result.ok) records.push(result.value)
        else {
          const field = result.field === '' ? `batch[${index}]` : `batch[${index}].${result.field}`
          const problem = { index, code: result.code, message: `batch[${index}]: ${result.message}`, field }
          rejected.push(problem)
          refusals.push({ ...problem, raw })
        }
      })
    } else {
      const result = toEventRecord(body, endpointType, ctx)
      if (!result.ok) throw new AttuneError(result.code, result.message, result.field || undefined)
      records.push(result.value)
    }
    return { records, rejected }
  }
}

function withSharedContext(raw: unknown, shared: Record<string, unknown> | null): unknown {
  if (shared === null || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const own = (raw as { context?: unknown }).context
  if (own !== undefined && (typeof own !== 'object' || own === null || Array.isArray(own))) return raw // reported by the checks
  return { ...raw, context: { ...shared, ...(own as Record<string, unknown> | undefined) } }
}
