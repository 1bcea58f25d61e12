/**
 * The error catalogue: every error the engine reports has a stable code, an HTTP status and,
 * where it concerns one input field, the field's path. HTTP bodies are `{ error: { code, message, field? } }`.
 * `docs/errors.md` documents each code; a test keeps the two in step.
 */
export const ERROR_CODES = {
  invalid_json: 400,
  bad_request: 400,
  invalid_field: 400,
  missing_field: 400,
  unknown_call_type: 400,
  invalid_events: 400,
  invalid_items: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  missing_key: 401,
  invalid_key: 401,
  invalid_credentials: 401,
  not_signed_in: 401,
  insufficient_scope: 403,
  invalid_user_token: 403,
  csrf_failed: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** An expected failure with a code from the catalogue; thrown by services, mapped to HTTP by the server. */
export class AttuneError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly field: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, field?: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'AttuneError'
    this.code = code
    this.status = ERROR_CODES[code]
    this.field = field
    this.details = details
  }

  toBody(): { error: { code: ErrorCode; message: string; field?: string } } & Record<string, unknown> {
    const error: { code: ErrorCode; message: string; field?: string } = { code: this.code, message: this.message }
    if (this.field !== undefined) error.field = this.field
    return { error, ...this.details }
  }
}

/** A per-record problem inside a batch: which record, which field, what is wrong. */
export interface RecordProblem {
  index: number
  code: ErrorCode
  message: string
  field?: string
}
