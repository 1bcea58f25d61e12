/**
 * Options every import shares, and the checks that turn a wrong command line into one clear message
 * naming the option or column at fault before any row is read. Such mistakes throw `AttuneError`
 * (the CLI exits 2 on it); problems with single rows are data and go to the summary instead.
 */
import path from 'node:path'
import { AttuneError } from '../core/index.ts'
import type { EventPublisher } from '../ingest/index.ts'

export type FileFormat = 'csv' | 'tsv' | 'jsonl'
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'tsv', 'jsonl']

/** Where the import is: bytes of the file read so far (compressed bytes for .gz) and rows read. */
export interface ImportProgress {
  bytesRead: number
  totalBytes: number
  rows: number
}

export interface CommonImportOptions {
  /** File format; by default from the extension (.csv, .tsv/.tab, .jsonl/.ndjson, each optionally .gz). */
  format?: FileFormat | undefined
  /** Field separator of CSV files (default `,`; `\t` for TSV). */
  delimiter?: string | undefined
  /** Column names of a file without a header line; the first line is then data. */
  columns?: readonly string[] | undefined
  /** False for files that do not quote fields (a `"` is then an ordinary character). Default true. */
  quote?: boolean | undefined
  /** Text encoding (default utf8; latin1 for MovieLens 100K). */
  encoding?: BufferEncoding | undefined
  /** Target field -> source column. Unmapped fields use a column of their own name when there is one. */
  map?: Readonly<Record<string, string>> | undefined
  /** Zone of date-times written without one, in minutes east of UTC (default 0: UTC). */
  timezoneOffsetMinutes?: number | undefined
  /** The per-event size limit of the Tracking API (default 32 KB). */
  maxEventBytes?: number | undefined
  /** Events per store transaction (default 5000). */
  chunkSize?: number | undefined
  /** Called every few thousand rows and at the end. */
  onProgress?: ((progress: ImportProgress) => void) | undefined
  /** The workers' event stream (NATS), when the deployment has one; the store log is the stream otherwise. */
  publisher?: EventPublisher | undefined
  /** Name of the preset used, reported in the summary. */
  preset?: string | undefined
}

export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024

/** A command-line mistake: the CLI prints the message and exits 2. */
export function usageError(message: string, option: string): AttuneError {
  return new AttuneError('invalid_field', message, option)
}

/** The format from `--format` or the file name; an unknown extension needs `--format`. */
export function detectFormat(file: string, explicit: FileFormat | undefined): FileFormat {
  if (explicit !== undefined) return explicit
  const ext = path.extname(file.replace(/\.gz$/i, '')).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.tsv' || ext === '.tab') return 'tsv'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  throw usageError(`cannot tell the format of ${file} from its name; use --format ${FILE_FORMATS.join('|')}`, '--format')
}

/**
 * Parses `--map field=column,field=column` (the option may repeat). Field names are checked against
 * `fields`; names starting with one of `prefixes` (such as `attributes.`) are accepted too.
 */
export function parseMapOption(values: readonly string[], fields: readonly string[], prefixes: readonly string[] = []): Record<string, string> {
  const map: Record<string, string> = {}
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue
      const eq = pair.indexOf('=')
      const field = eq < 0 ? '' : pair.slice(0, eq).trim()
      const column = eq < 0 ? '' : pair.slice(eq + 1).trim()
      if (field === '' || column === '') throw usageError(`--map expects field=column pairs, got "${pair}"`, '--map')
      const known = fields.includes(field) || prefixes.some((p) => field.startsWith(p) && field.length > p.length)
      if (!known) {
        const extra = prefixes.length > 0 ? ` or ${prefixes.map((p) => `${p}NAME`).join(', ')}` : ''
        throw usageError(`--map: unknown field "${field}"; the fields are ${fields.join(', ')}${extra}`, '--map')
      }
      map[field] = column
    }
  }
  return map
}

/**
 * Decides which column feeds each field: the mapped one, else a column named like the field (or like
 * one of its aliases). A mapped column missing from the header, or a required field without a
 * column, is a command-line mistake.
 */
export function resolveColumns(
  fields: readonly string[],
  map: Readonly<Record<string, string>>,
  header: readonly string[],
  required: readonly string[],
  file: string,
  aliases: Readonly<Record<string, readonly string[]>> = {},
): Record<string, string> {
  const present = new Set(header)
  const columns: Record<string, string> = {}
  const shown = header.length > 12 ? `${header.slice(0, 12).join(', ')}, ...` : header.join(', ')
  for (const [field, column] of Object.entries(map)) {
    if (!present.has(column)) {
      throw usageError(`--map ${field}=${column}: ${file} has no column "${column}" (its columns: ${shown})`, '--map')
    }
    columns[field] = column
  }
  for (const field of fields) {
    if (columns[field] !== undefined) continue
    const found = [field, ...(aliases[field] ?? [])].find((name) => present.has(name))
    if (found !== undefined) columns[field] = found
    else if (required.includes(field)) {
      throw usageError(`${file} has no column "${field}" (its columns: ${shown}); name the column with --map ${field}=COLUMN`, '--map')
    }
  }
  return columns
}

/** A cell as trimmed text; numbers (JSONL rows) become their decimal string; anything else is empty. */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return ''
}

/** A number from a cell, or undefined when the cell is not one. */
/**
 * `{ traits: { email } }` for a person id that is an email address (shop exports often key customers by
 * address), to put in the event's context: the identity graph then links the address to the person, as
 * it does for an identify call, so the email provider's events and lookups by email find them.
 */
export function emailContext(personId: string): { traits: { email: string } } | null {
  return personId.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(personId) ? { traits: { email: personId } } : null
}

export function cellNumber(text: string): number | undefined {
  if (text === '') return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

/** The file's name without folders and without `.gz`, used in deterministic message ids. */
export function baseName(file: string): string {
  return path.basename(file).replace(/\.gz$/i, '')
}

/** The CSV reading settings every importer derives the same way from the common options. */
export function csvSettings(options: CommonImportOptions, format: FileFormat) {
  return {
    delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ','),
    quote: options.quote ?? true,
    columns: options.columns,
    encoding: options.encoding ?? ('utf8' as BufferEncoding),
  }
}
