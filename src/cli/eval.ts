/**
 * `attune eval`: offline evaluation of the recommender models on a public dataset (with its published
 * protocol, docs/evaluation.md), on order-line or event files (the formats of `attune import`), or on the engine's own
 * event log. A table on stdout, or one JSON document with `--json`; progress on stderr. Exit codes
 * (cli/exit-codes.ts): 0 when the evaluation ran, 2 for a bad command line or unreadable data, 3 when the
 * store cannot be reached.
 */
import cliProgress from 'cli-progress'
import { Command, InvalidArgumentError, Option } from 'commander'
import { loadConfig } from '../core/index.ts'
import {
  DATASETS,
  type DatasetName,
  defaultCutoff,
  evaluateClv,
  formatClvTable,
  toClvDocument,
  type Protocol,
  type RunProgress,
  type ShopData,
  datasetProtocol,
  formatTable,
  genericProtocol,
  loadDataset,
  modelNames,
  readShopFile,
  readStore,
  runModels,
  toDocument,
} from '../evaluation/index.ts'
import { EVENT_FIELDS, EVENT_TYPES, type EventType, FILE_FORMATS, type FileFormat, ORDER_FIELDS, PRESETS, parseMapOption, parseTimestamp, parseTimezoneOffset, usageError } from '../importer/index.ts'
import { openStore } from '../storage/index.ts'

interface RawOptions {
  dataset?: DatasetName
  data?: string
  orders?: string
  events?: string
  store?: boolean
  split: 'temporal' | 'random'
  testFraction: number
  repeats?: boolean
  minRating: number
  models?: string
  k: number
  seed: number
  tune: boolean
  threads?: number
  json?: boolean
  progress: boolean
  preset?: string
  map: string[]
  format?: FileFormat
  delimiter?: string
  columns?: string
  encoding?: BufferEncoding
  eventType?: EventType
  timezoneOffset?: string
  clv?: boolean
  cutoff?: string
  end?: string
  minRepeatBuyers?: number
}

const integer = (min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}`)
  return n
}

function fraction(value: string): number {
  const n = Number(value)
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number between 0 and 1, e.g. 0.2')
  return n
}

function numeric(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number')
  return n
}

/** Progress on stderr: a bar per model and phase on a terminal, a plain line per step otherwise. */
function progressReporter(enabled: boolean) {
  const stream = process.stderr
  const tty = stream.isTTY === true
  let bar: cliProgress.SingleBar | null = null
  let current = ''
  let lastLine = 0
  const stopBar = () => {
    bar?.stop()
    bar = null
  }
  return {
    note(text: string) {
      if (!enabled) return
      stopBar()
      current = ''
      stream.write(`eval: ${text}\n`)
    },
    update(p: RunProgress) {
      if (!enabled) return
      const key = `${p.model} ${p.phase}`
      if (!tty) {
        // Logs get a line per phase, and at most one every 5 s within a phase.
        const now = Date.now()
        if (key !== current || (p.note !== '' && now - lastLine > 5000)) {
          stream.write(`eval: ${p.model}: ${p.phase} ${Math.round(p.fraction * 100)}%${p.note ? ` ${p.note}` : ''}\n`)
          lastLine = now
        }
        current = key
        return
      }
      if (key !== current) {
        stopBar()
        current = key
        bar = new cliProgress.SingleBar(
          { stream, format: `${key.padEnd(24)} [{bar}] {percentage}% | {duration}s | {note}`, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        )
        bar.start(100, 0, { note: p.note })
      }
      bar!.update(Math.round(p.fraction * 100), p.note ? { note: p.note } : {})
    },
    stop: stopBar,
  }
}

/** Which data the command evaluates: exactly one source; the store when none is named. */
function sourceOf(raw: RawOptions): 'dataset' | 'orders' | 'events' | 'store' {
  const given = (['dataset', 'orders', 'events', 'store'] as const).filter((s) => raw[s] !== undefined && raw[s] !== false)
  if (given.length > 1) throw usageError(`give one of --dataset, --orders, --events, --store (got ${given.map((g) => `--${g}`).join(', ')})`, `--${given[1]}`)
  if (raw.data !== undefined && raw.dataset === undefined) throw usageError('--data goes with --dataset', '--data')
  if (raw.dataset !== undefined && raw.data === undefined) throw usageError(`--dataset ${raw.dataset} needs --data <dir or file>`, '--data')
  return given[0] ?? 'store'
}

function importOptions(raw: RawOptions, kind: 'orders' | 'events') {
  let offset: number | undefined
  if (raw.timezoneOffset !== undefined) {
    const parsed = parseTimezoneOffset(raw.timezoneOffset)
    if (parsed === null) throw usageError(`--timezone-offset: "${raw.timezoneOffset}" is not an offset such as +01:00`, '--timezone-offset')
    offset = parsed
  }
  const delimiter = raw.delimiter === '\\t' || raw.delimiter === 'tab' ? '\t' : raw.delimiter
  if (delimiter !== undefined && delimiter.length !== 1) throw usageError(`--delimiter must be one character (or "tab")`, '--delimiter')
  return {
    format: raw.format,
    delimiter,
    columns: raw.columns?.split(',').map((c) => c.trim()),
    encoding: raw.encoding,
    map: parseMapOption(raw.map, kind === 'orders' ? ORDER_FIELDS : EVENT_FIELDS),
    timezoneOffsetMinutes: offset,
    ...(kind === 'events' && { eventType: raw.eventType }),
  }
}

async function loadProtocol(raw: RawOptions, progress: ReturnType<typeof progressReporter>): Promise<{ protocol: Protocol; source: Record<string, unknown> }> {
  const source = sourceOf(raw)
  if (source === 'dataset') {
    progress.note(`reading ${raw.dataset} from ${raw.data}`)
    const dataset = await loadDataset(raw.dataset!, raw.data!)
    progress.note(`${dataset.interactions.length.toLocaleString('en-US')} interactions; splitting`)
    return { protocol: datasetProtocol(dataset), source: { source: 'dataset', data: raw.data } }
  }
  let data: ShopData
  let name: string
  if (source === 'store') {
    const config = loadConfig()
    progress.note('reading the event log of the store')
    const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
    try {
      data = await readStore(store)
    } finally {
      await store.close()
    }
    name = 'store'
  } else {
    const file = source === 'orders' ? raw.orders! : raw.events!
    progress.note(`importing ${file} into a scratch store`)
    const read = await readShopFile(source, file, { importOptions: importOptions(raw, source), preset: raw.preset })
    const s = read.summary
    progress.note(`${s.rowsRead.toLocaleString('en-US')} rows: ${s.eventsStored.toLocaleString('en-US')} events, ${s.rowsRejected} rejected, ${s.rowsSkipped} skipped`)
    data = read
    name = source
  }
  progress.note(`${data.interactions.length.toLocaleString('en-US')} interactions from ${data.events.toLocaleString('en-US')} events; splitting`)
  const protocol = genericProtocol(name, data.interactions, {
    split: raw.split,
    testFraction: raw.testFraction,
    seed: raw.seed,
    repeats: raw.repeats ?? false,
    minRating: raw.minRating,
  })
  return { protocol, source: { source: name, ...(name !== 'store' && { file: raw.orders ?? raw.events }) } }
}

/** `--clv`: BG/NBD + Gamma-Gamma fitted before the cutoff, measured after it (docs/clv.md). */
async function runClvEval(raw: RawOptions, progress: ReturnType<typeof progressReporter>): Promise<void> {
  const source = sourceOf(raw)
  if (source === 'dataset' || source === 'events') throw usageError('--clv reads order lines: give --orders <file> (or --store)', `--${source}`)
  // The flags are checked before the data is read (an import can take a while).
  const offset = raw.timezoneOffset === undefined ? 0 : (parseTimezoneOffset(raw.timezoneOffset) ?? 0)
  const time = (flag: '--cutoff' | '--end', text: string | undefined) => {
    if (text === undefined) return undefined
    const parsed = parseTimestamp(text, offset)
    if (parsed === null) throw usageError(`${flag}: "${text}" is not a date-time (ISO 8601 or YYYY-MM-DD HH:MM:SS)`, flag)
    return parsed
  }
  const end = time('--end', raw.end)
  const givenCutoff = time('--cutoff', raw.cutoff)
  if (end !== undefined && givenCutoff !== undefined && end <= givenCutoff) throw usageError('--end must be after --cutoff', '--end')
  let orders
  if (source === 'store') {
    const config = loadConfig()
    progress.note('reading the event log of the store')
    const store = await openStore(config.databaseUrl, { sqliteSync: config.sqliteSync })
    try {
      orders = (await readStore(store)).orders
    } finally {
      await store.close()
    }
  } else {
    progress.note(`importing ${raw.orders} into a scratch store`)
    const read = await readShopFile('orders', raw.orders!, { importOptions: importOptions(raw, 'orders'), preset: raw.preset })
    const s = read.summary
    progress.note(`${s.rowsRead.toLocaleString('en-US')} rows: ${s.eventsStored.toLocaleString('en-US')} events, ${s.rowsRejected} rejected, ${s.rowsSkipped} skipped`)
    orders = read.orders
  }
  if (orders.length === 0) throw usageError('no completed orders to fit the CLV models on', source === 'store' ? '--store' : '--orders')
  const cutoff = givenCutoff ?? defaultCutoff(end === undefined ? orders : orders.filter((o) => o.time < end))
  progress.note(`${orders.length.toLocaleString('en-US')} orders; fitting before ${new Date(cutoff).toISOString()}`)
  const report = evaluateClv(orders, cutoff, { end, ...(raw.minRepeatBuyers !== undefined && { minRepeatBuyers: raw.minRepeatBuyers }) })
  const where = source === 'store' ? { source: 'store' } : { source: 'orders', file: raw.orders }
  process.stdout.write(raw.json ? `${JSON.stringify(toClvDocument(report, where))}\n` : formatClvTable(report))
}

async function runEval(raw: RawOptions): Promise<void> {
  if (raw.clv) return runClvEval(raw, progressReporter(raw.progress))
  const clvOnly = (['cutoff', 'end', 'minRepeatBuyers'] as const).find((k) => raw[k] !== undefined)
  if (clvOnly) throw usageError('--cutoff, --end and --min-repeat-buyers go with --clv', clvOnly === 'minRepeatBuyers' ? '--min-repeat-buyers' : `--${clvOnly}`)
  const models = modelNames(raw.models?.split(',').map((m) => m.trim()).filter((m) => m !== ''))
  const progress = progressReporter(raw.progress)
  try {
    const { protocol, source } = await loadProtocol(raw, progress)
    const c = protocol.test.counts
    if (c.testPeople === 0) progress.note('warning: no test person is left (no test items seen in training); every metric is 0')
    else progress.note(`training ${c.trainPeople} people x ${c.trainItems} items (${c.trainPairs} pairs); ${c.testPeople} test people`)
    const run = await runModels(protocol, {
      models,
      k: raw.k,
      seed: raw.seed,
      tune: raw.tune,
      threads: raw.threads,
      onProgress: (p) => progress.update(p),
    })
    progress.stop()
    process.stdout.write(raw.json ? `${JSON.stringify(toDocument(protocol, run, source))}\n` : formatTable(protocol, run))
  } finally {
    progress.stop()
  }
}


export function evalCommand(): Command {
  return new Command('eval')
    .description('measure the recommender models offline, next to the bestseller baseline')
    .exitOverride() // usage errors exit 2 (cli/exit-codes.ts)
    .addOption(new Option('--dataset <name>', 'a public dataset, split by its published protocol (docs/evaluation.md)').choices(DATASETS))
    .option('--data <path>', 'the dataset folder (or its main file)')
    .option('--orders <file>', 'order lines (CSV/TSV) as `attune import orders` reads them')
    .option('--events <file>', 'interactions (CSV/TSV/JSONL) as `attune import events` reads them')
    .option('--store', "the engine's own event log (the default when no data is named)")
    .addOption(new Option('--split <kind>', 'split of --orders/--events/--store data').choices(['temporal', 'random']).default('temporal'))
    .option('--test-fraction <x>', 'share of the time range (temporal) or of each person\'s items (random) held out', fraction, 0.2)
    .option('--repeats', 're-purchases count: items already had may be truth and be recommended')
    .option('--min-rating <n>', 'ratings at or above this are positives', numeric, 4)
    .option('--models <names>', 'comma-separated models (default: all); popularity always runs')
    .option('--k <n>', 'list length K of the metrics', integer(1), 10)
    .option('--seed <n>', 'seeds training and the random split', integer(0), 42)
    .option('--no-tune', "train each model's defaults instead of tuning on the validation split")
    .option('--threads <n>', 'worker threads for training (default: all cores)', integer(1))
    .option('--clv', 'validate the lifetime-value models (BG/NBD, Gamma-Gamma) on --orders instead (docs/clv.md)')
    .option('--cutoff <date>', '--clv: fit on orders before this date-time (default: 80 % of the way through the orders)')
    .option('--end <date>', '--clv: ignore orders from this date-time on (the end of the holdout; default: the last order)')
    .option('--min-repeat-buyers <n>', '--clv: fewer repeat buyers than this fall back to RFM (default 500)', integer(1))
    .option('--json', 'print one JSON document on stdout')
    .option('--no-progress', 'no progress on stderr')
    .addOption(new Option('--preset <name>', 'import preset for --orders/--events').choices(Object.keys(PRESETS)))
    .option('--map <pairs>', 'field=column pairs for --orders/--events; repeatable', (v: string, prev: string[]) => [...prev, v], [])
    .addOption(new Option('--format <format>', 'file format (default: from the name)').choices(FILE_FORMATS))
    .option('--delimiter <char>', 'CSV field separator ("tab" for a tab)')
    .option('--columns <names>', 'column names of a file without a header line')
    .addOption(new Option('--encoding <name>', 'text encoding (default utf8)').choices(['utf8', 'latin1']))
    .addOption(new Option('--event-type <type>', 'what each --events row is (default rating)').choices(Object.keys(EVENT_TYPES)))
    .option('--timezone-offset <offset>', 'zone of date-times written without one, e.g. +01:00')
    .addHelpText('after', `\nDatasets: ${DATASETS.join(', ')}. Protocols, metrics and output: docs/evaluation.md`)
    .action((raw: RawOptions) => runEval(raw))
}
