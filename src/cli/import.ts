/**
 * `attune import catalog|orders|events FILE`: loads a shop's history from files straight into the
 * store (no server needed), with a progress bar on stderr and a summary on stdout (`--json` for
 * scripts). Exit codes: 0 when the file was read, even if some rows were rejected (they are listed);
 * 2 for a bad command line or an unreadable file, with a message naming the option or file.
 */
import fs from 'node:fs'
import cliProgress from 'cli-progress'
import { Command, Option } from 'commander'
import { loadConfig } from '../core/index.ts'
import {
  EVENT_FIELDS,
  EVENT_TYPES,
  FILE_FORMATS,
  ITEM_FIELDS,
  ATTRIBUTE_PREFIX,
  ORDER_FIELDS,
  PRESETS,
  type EventType,
  type FileFormat,
  type ImportCommand,
  type ImportProgress,
  type ImportSummary,
  type OptionsByCommand,
  formatSummary,
  importCatalog,
  importEvents,
  importOrders,
  parseMapOption,
  parseTimezoneOffset,
  usageError,
  withPreset,
} from '../importer/index.ts'
import { type Store, openStore } from '../storage/index.ts'
import { NatsEventStream } from '../stream/index.ts'

interface RawOptions {
  format?: FileFormat
  preset?: string
  map: string[]
  delimiter?: string
  columns?: string
  encoding?: BufferEncoding
  json?: boolean
  progress: boolean
  listSeparator?: string
  timezoneOffset?: string
  createItems?: boolean
  currency?: string
  refundPrefix?: string
  eventType?: EventType
}

const FIELDS: Record<ImportCommand, readonly string[]> = { catalog: ITEM_FIELDS, orders: ORDER_FIELDS, events: EVENT_FIELDS }

const IMPORTERS: { [C in ImportCommand]: (store: Store, file: string, options: OptionsByCommand[C]) => Promise<ImportSummary> } = {
  catalog: importCatalog,
  orders: importOrders,
  events: importEvents,
}

/** Turns the command line into importer options; mistakes throw (exit 2) naming the option. */
function toOptions(command: ImportCommand, raw: RawOptions): OptionsByCommand[ImportCommand] {
  let offset: number | undefined
  if (raw.timezoneOffset !== undefined) {
    const parsed = parseTimezoneOffset(raw.timezoneOffset)
    if (parsed === null) throw usageError(`--timezone-offset: "${raw.timezoneOffset}" is not an offset such as +01:00, -0500 or 0`, '--timezone-offset')
    offset = parsed
  }
  if (raw.currency !== undefined && !/^[A-Za-z]{3}$/.test(raw.currency)) {
    throw usageError(`--currency: "${raw.currency}" is not a three-letter ISO 4217 code`, '--currency')
  }
  const delimiter = raw.delimiter === '\\t' || raw.delimiter === 'tab' ? '\t' : raw.delimiter
  if (delimiter !== undefined && delimiter.length !== 1) throw usageError(`--delimiter must be one character (or "tab"), got "${raw.delimiter}"`, '--delimiter')
  if (raw.listSeparator === '') throw usageError('--list-separator must not be empty', '--list-separator')
  return {
    format: raw.format,
    delimiter,
    columns: raw.columns?.split(',').map((c) => c.trim()),
    encoding: raw.encoding,
    map: parseMapOption(raw.map, FIELDS[command], command === 'catalog' ? [ATTRIBUTE_PREFIX] : []),
    timezoneOffsetMinutes: offset,
    listSeparator: raw.listSeparator,
    createItems: raw.createItems,
    currency: raw.currency?.toUpperCase(),
    refundPrefix: raw.refundPrefix,
    eventType: raw.eventType,
  }
}

function progressBar(file: string, enabled: boolean) {
  if (!enabled) return null
  const stream = process.stderr
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${file.split('/').pop()} [{bar}] {percentage}% | {rows} rows | {duration}s elapsed | ETA {eta}s`,
      // Not a terminal (CI logs, redirected output): a plain line every few seconds instead of redraws.
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 5000,
      hideCursor: stream.isTTY ? true : null,
    },
    cliProgress.Presets.shades_classic,
  )
  // Started by the first report (after a few thousand rows), so a mistake found in the header prints no bar.
  let started = false
  return {
    update: (p: ImportProgress) => {
      if (!started) bar.start(Math.max(p.totalBytes, 1), 0, { rows: '0' })
      started = true
      bar.update(Math.min(p.bytesRead, p.totalBytes), { rows: p.rows.toLocaleString('en-US') })
    },
    stop: () => {
      if (started) bar.stop()
      started = false
    },
  }
}

async function runImport(command: ImportCommand, file: string, raw: RawOptions): Promise<void> {
  const options = withPreset(command, raw.preset, file, toOptions(command, raw))
  try {
    if (!fs.statSync(file).isFile()) throw new Error('not a file')
    fs.accessSync(file, fs.constants.R_OK)
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`, 'FILE')
  }
  const config = loadConfig()
  const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
  let stream: NatsEventStream | undefined
  const bar = progressBar(file, raw.progress)
  try {
    // With NATS, workers read the stream, not the store: imported events are published like the API's.
    if (config.natsUrl && command !== 'catalog') {
      stream = await NatsEventStream.open({ url: config.natsUrl, stream: config.natsStream, subject: config.natsSubject })
    }
    const run = IMPORTERS[command] as (store: Store, file: string, options: OptionsByCommand[ImportCommand]) => Promise<ImportSummary>
    const summary = await run(store, file, {
      ...options,
      maxEventBytes: config.maxEventBytes,
      publisher: stream,
      onProgress: (p) => bar?.update(p),
    })
    bar?.stop()
    process.stdout.write(raw.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary))
  } finally {
    bar?.stop()
    await stream?.close()
    await store.close()
  }
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'file format (default: from the file name)').choices(FILE_FORMATS))
    .addOption(new Option('--preset <name>', 'dataset preset').choices(Object.keys(PRESETS)))
    .option('--map <pairs>', 'field=column pairs, comma-separated; repeatable', (v: string, prev: string[]) => [...prev, v], [])
    .option('--delimiter <char>', 'CSV field separator (default "," or tab for .tsv; "tab" for a tab)')
    .option('--columns <names>', 'comma-separated column names of a file without a header line')
    .addOption(new Option('--encoding <name>', 'text encoding (default utf8)').choices(['utf8', 'latin1']))
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--no-progress', 'do not show a progress bar')
}

function timezone(cmd: Command): Command {
  return cmd.option('--timezone-offset <offset>', 'zone of date-times written without one, e.g. +01:00 (default UTC)')
}


export function importCommand(): Command {
  const cmd = new Command('import')
    .description("load a shop's history from files: catalogue, order lines, interactions")
    .exitOverride() // usage errors exit 2 (cli/exit-codes.ts)
  const presets = Object.entries(PRESETS)
    .map(([name, p]) => `  ${name.padEnd(15)} ${p.description}`)
    .join('\n')
  cmd.addHelpText('after', `\nPresets:\n${presets}`)

  common(cmd.command('catalog <file>'))
    .description('items from CSV/TSV (columns mapped with --map) or JSONL (one API item a line); .gz accepted')
    .option('--list-separator <sep>', 'separator inside multi-value cells (categories, tags), e.g. "|"')
    .addHelpText('after', `\nFields for --map: ${ITEM_FIELDS.join(', ')}, ${ATTRIBUTE_PREFIX}NAME`)
    .action((file: string, raw: RawOptions) => runImport('catalog', file, raw))

  timezone(common(cmd.command('orders <file>')))
    .description('order lines (CSV) as one "Order Completed" (or "Order Refunded") event per order; .gz accepted')
    .option('--create-items', 'create catalogue items for product ids not in the store (default)')
    .option('--no-create-items', 'do not create catalogue items')
    .option('--currency <code>', 'ISO 4217 currency of the prices')
    .option('--refund-prefix <prefix>', 'order ids starting with this are returns (default "C"; "" for none)')
    .addHelpText('after', `\nFields for --map: ${ORDER_FIELDS.join(', ')}`)
    .action((file: string, raw: RawOptions) => runImport('orders', file, raw))

  timezone(common(cmd.command('events <file>')))
    .description('interactions (ratings, views, ...) from CSV/TSV/JSONL, or Segment messages as JSONL; .gz accepted')
    .addOption(new Option('--event-type <type>', 'what each row is (default rating)').choices(Object.keys(EVENT_TYPES)))
    .addHelpText('after', `\nFields for --map: ${EVENT_FIELDS.join(', ')}`)
    .action((file: string, raw: RawOptions) => runImport('events', file, raw))

  return cmd
}
