/**
 * What an import did, counted as it goes: rows read, events stored or found already stored, rows
 * rejected (the first few with line, field and message, so a wrong column is found without reading a
 * log), rows skipped on purpose, items written. The CLI prints it or emits it as JSON.
 */
import { AttuneError } from '../core/index.ts'

export const MAX_REPORTED_PROBLEMS = 10

export interface ImportProblem {
  /** 1-based line of the file (for a record spanning lines, its last line). */
  line: number
  /** The column (or message field) at fault; `row` when the row as a whole is unusable. */
  field: string
  message: string
}

export interface ImportSummary {
  command: 'catalog' | 'orders' | 'events'
  file: string
  preset: string | null
  /** Data rows (CSV records or JSONL lines) read from the file. */
  rowsRead: number
  /** Events newly appended to the event log. */
  eventsStored: number
  /** Events already in the log under the same messageId (an earlier import of the same rows). */
  duplicatesSkipped: number
  /** Rows (or, for files with several events a line, events) refused with a problem. */
  rowsRejected: number
  /** Rows left out on purpose, by reason (e.g. "no customer id"). */
  rowsSkipped: number
  skipReasons: Record<string, number>
  /** Catalogue items written (catalog imports) . */
  itemsStored: number
  /** Items that did not exist before the import. */
  itemsCreated: number
  /** Orders too large for one 32 KB event, stored as several events. */
  ordersSplit: number
  /** The first problems, in file order. */
  problems: ImportProblem[]
  elapsedSeconds: number
  rowsPerSecond: number
}

/** Accumulates the counts of one import. */
export class SummaryBuilder {
  readonly #started = performance.now()
  readonly summary: ImportSummary

  constructor(command: ImportSummary['command'], file: string, preset: string | undefined) {
    this.summary = {
      command,
      file,
      preset: preset ?? null,
      rowsRead: 0,
      eventsStored: 0,
      duplicatesSkipped: 0,
      rowsRejected: 0,
      rowsSkipped: 0,
      skipReasons: {},
      itemsStored: 0,
      itemsCreated: 0,
      ordersSplit: 0,
      problems: [],
      elapsedSeconds: 0,
      rowsPerSecond: 0,
    }
  }

  /** Records a refused row; `rows` > 1 when the problem refuses several rows at once (a whole order). */
  reject(line: number, field: string, message: string, rows = 1): void {
    this.summary.rowsRejected += rows
    if (this.summary.problems.length < MAX_REPORTED_PROBLEMS) this.summary.problems.push({ line, field: field || 'row', message })
  }

  /** A record the file parser could not read (bad quoting, wrong number of fields): read, and rejected. */
  unreadable(line: number, message: string): void {
    this.summary.rowsRead += 1
    this.reject(line, 'row', message)
  }

  skip(reason: string): void {
    this.summary.rowsSkipped += 1
    this.summary.skipReasons[reason] = (this.summary.skipReasons[reason] ?? 0) + 1
  }

  /**
   * For a file that breaks off part-way (a truncated gzip): the read error, saying how far the import
   * got. What was stored stays; a re-import of the repaired file skips it by message id.
   */
  interrupted(error: unknown): unknown {
    if (!(error instanceof AttuneError) || error.field !== 'FILE') return error
    const s = this.summary
    const kept = s.command === 'catalog' ? `${s.itemsStored} items` : `${s.eventsStored} events`
    return new AttuneError(error.code, `${error.message} (after ${s.rowsRead} rows; the ${kept} stored before it are kept)`, 'FILE')
  }

  finish(): ImportSummary {
    const seconds = (performance.now() - this.#started) / 1000
    this.summary.problems.sort((a, b) => a.line - b.line)
    this.summary.elapsedSeconds = Math.round(seconds * 100) / 100
    this.summary.rowsPerSecond = seconds > 0 ? Math.round(this.summary.rowsRead / seconds) : this.summary.rowsRead
    return this.summary
  }
}

const n = (v: number) => v.toLocaleString('en-US')

/** The summary as a few human-readable lines. */
export function formatSummary(s: ImportSummary): string {
  const lines = [`imported ${s.command} from ${s.file}${s.preset ? ` (preset ${s.preset})` : ''}`]
  lines.push(`  rows read           ${n(s.rowsRead)}`)
  if (s.command !== 'catalog' || s.eventsStored > 0) {
    lines.push(`  events stored       ${n(s.eventsStored)}`)
    lines.push(`  duplicates skipped  ${n(s.duplicatesSkipped)}`)
  }
  if (s.itemsStored > 0 || s.command === 'catalog') lines.push(`  items stored        ${n(s.itemsStored)}`)
  lines.push(`  items created       ${n(s.itemsCreated)}`)
  if (s.ordersSplit > 0) lines.push(`  orders split        ${n(s.ordersSplit)} (too large for one 32 KB event)`)
  const reasons = Object.entries(s.skipReasons).map(([reason, count]) => `${reason}: ${n(count)}`)
  lines.push(`  rows skipped        ${n(s.rowsSkipped)}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`)
  lines.push(`  rows rejected       ${n(s.rowsRejected)}`)
  for (const p of s.problems) lines.push(`    line ${p.line}: ${p.field}: ${p.message}`)
  if (s.rowsRejected > s.problems.length) lines.push(`    ... and ${n(s.rowsRejected - s.problems.length)} more`)
  lines.push(`  elapsed             ${s.elapsedSeconds.toFixed(2)} s (${n(s.rowsPerSecond)} rows/s)`)
  return `${lines.join('\n')}\n`
}
