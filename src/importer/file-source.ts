/**
 * Reading an import file as a stream of rows with their line numbers, never whole: shop histories
 * are often larger than memory. Gzip is recognised by its magic bytes (so a `.gz` name is optional),
 * and progress is the count of file bytes read, which is known up front even for compressed files.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { type CastingContext, type CsvError, type Options as CsvOptions, parse } from 'csv-parse'
import { AttuneError } from '../core/index.ts'
import { usageError } from './import-options.ts'

/** An import file that has been checked to be readable. */
export class SourceFile {
  readonly path: string
  readonly size: number
  readonly gzip: boolean
  #raw: fs.ReadStream | null = null
  #content: Readable | null = null

  constructor(file: string, size: number, gzip: boolean) {
    this.path = file
    this.size = size
    this.gzip = gzip
  }

  /** File bytes read so far (compressed bytes for gzip). */
  bytesRead(): number {
    return this.#raw?.bytesRead ?? 0
  }

  /** The content, decompressed when it is gzip; read errors are reported on the returned stream. */
  open(): Readable {
    const raw = fs.createReadStream(this.path, { highWaterMark: 256 * 1024 })
    this.#raw = raw
    this.#content = raw
    if (!this.gzip) return raw
    const gunzip = createGunzip()
    raw.on('error', (error) => gunzip.destroy(error))
    this.#content = raw.pipe(gunzip)
    return this.#content
  }

  /** Releases the file (also when reading stopped early). */
  close(): void {
    this.#content?.destroy()
    this.#raw?.destroy()
  }
}

export interface CsvRow {
  line: number
  row: Record<string, string>
}

export interface CsvReadOptions {
  delimiter: string
  quote: boolean
  /** Names for a file without a header line. */
  columns: readonly string[] | undefined
  encoding: BufferEncoding
  /** Called once with the header (or `columns`) before the first row is returned. */
  onHeader: (header: string[]) => void
  /** Called for a record the parser could not read (bad quoting, wrong number of fields). */
  onBadRecord: (line: number, message: string) => void
}

/** Checks that the file can be read and sniffs gzip; an unreadable file is a command-line mistake. */
export async function openSource(file: string): Promise<SourceFile> {
  let handle: fs.promises.FileHandle
  try {
    handle = await fs.promises.open(file, 'r')
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`, 'FILE')
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw usageError(`${file} is not a file`, 'FILE')
    const magic = Buffer.alloc(2)
    const { bytesRead } = await handle.read(magic, 0, 2, 0)
    const gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b
    return new SourceFile(file, stat.size, gzip)
  } catch (error) {
    if (error instanceof AttuneError) throw error
    throw usageError(`cannot read ${file}: ${(error as Error).message}`, 'FILE')
  } finally {
    await handle.close()
  }
}

function readError(source: SourceFile, error: unknown): AttuneError {
  if (error instanceof AttuneError) return error
  return usageError(`cannot read ${path.basename(source.path)}: ${(error as Error).message}`, 'FILE')
}

/** CSV/TSV records as objects keyed by column name, with the line each ends on. */
export async function* csvRows(source: SourceFile, options: CsvReadOptions): AsyncGenerator<CsvRow> {
  let header: string[] | null = options.columns ? [...options.columns] : null
  // csv-parse's types assume on_record returns a record of the input's shape; ours wraps it with its line.
  const parserOptions: CsvOptions<any> = {
    delimiter: options.delimiter,
    quote: options.quote ? '"' : false,
    encoding: options.encoding,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    columns: options.columns
      ? [...options.columns]
      : (names: string[]) => {
          header = names.map((name) => String(name).trim())
          return header
        },
    on_skip: (error: CsvError | undefined) => {
      options.onBadRecord(error?.lines ?? 0, error?.message ?? 'unreadable record')
      return undefined
    },
    on_record: (record: Record<string, string>, context: CastingContext) => ({ line: context.lines, row: record }),
  }
  const input = source.open()
  const parser = parse(parserOptions)
  input.on('error', (error) => parser.destroy(error))
  input.pipe(parser)
  let announced = false
  try {
    for await (const record of parser as AsyncIterable<CsvRow>) {
      if (!announced && header) {
        announced = true
        options.onHeader(header)
      }
      yield record
    }
  } catch (error) {
    throw readError(source, error)
  } finally {
    source.close()
  }
  if (!announced && header) options.onHeader(header)
}

/** Lines of a text file (JSONL), with 1-based line numbers; blank lines are left out. */
export async function* textLines(source: SourceFile, encoding: BufferEncoding): AsyncGenerator<{ line: number; text: string }> {
  const input = source.open()
  input.setEncoding(encoding)
  let rest = ''
  let line = 0
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n')
      rest = parts.pop() ?? ''
      for (const part of parts) {
        line += 1
        const text = part.endsWith('\r') ? part.slice(0, -1) : part
        if (text.trim() !== '') yield { line, text }
      }
    }
  } catch (error) {
    throw readError(source, error)
  } finally {
    source.close()
  }
  if (rest.trim() !== '') yield { line: line + 1, text: rest.endsWith('\r') ? rest.slice(0, -1) : rest }
}
