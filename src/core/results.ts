import type { ErrorCode } from './errors.ts'

/** A check's outcome: the value, or a rejection naming the field. */
export type StepResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; field: string }

export const ok = <T>(value: T): StepResult<T> => ({ ok: true, value })

export const reject = <T = never>(code: ErrorCode, field: string, message: string): StepResult<T> => ({
  ok: false,
  code,
  message,
  field,
})
