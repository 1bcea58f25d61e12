/**
 * Configuration: one typed object, built from defaults and environment variables. This is the only
 * file that reads `process.env`; everything else receives a frozen `Config`.
 */
import os from 'node:os'
import path from 'node:path'
import { AttuneError } from './errors.ts'

export interface Config {
  /** TCP port of the HTTP API (`PORT`, default 8787). */
  readonly port: number
  /** Address to bind (`ATTUNE_HOST`, else `HOST`; default 127.0.0.1, so a quick start exposes nothing). */
  readonly host: string
  /** Port of a keyless `/metrics` listener on the same host (`ATTUNE_METRICS_PORT`); unset: `/metrics` needs the secret key. */
  readonly metricsPort: number | undefined
  /**
   * Whether to take the client address from X-Forwarded-For (`ATTUNE_TRUST_PROXY`: a count of proxy hops, `true`
   * for any, or comma-separated proxy addresses; default off). Behind a load balancer the per-address limits need it.
   */
  readonly trustProxy: boolean | number | string[]
  /** Folder holding the embedded SQLite database (`ATTUNE_DATA_DIR`, default ./data). */
  readonly dataDir: string
  /** Store URL (`ATTUNE_DATABASE_URL`); default `sqlite://<dataDir>/attune.db`. */
  readonly databaseUrl: string
  /** Write key to register at start (`ATTUNE_WRITE_KEY`); otherwise one is generated once. */
  readonly writeKey: string | undefined
  /** Secret key to register at start (`ATTUNE_SECRET_KEY`); otherwise one is generated once. */
  readonly secretKey: string | undefined
  /** Log level (`ATTUNE_LOG_LEVEL`, default info). */
  readonly logLevel: string
  /** Log every request at info level (`ATTUNE_LOG_REQUESTS=1`); off by default to keep ingestion cheap. */
  readonly logRequests: boolean
  /**
   * SQLite durability (`ATTUNE_SQLITE_SYNC`): `full` fsyncs every group commit, so an acknowledged event
   * survives power loss; `normal` survives a process crash but not power loss. Default full.
   */
  readonly sqliteSync: 'full' | 'normal'
  /**
   * Tests only (`ATTUNE_TEST_FAULT`): a fault point where the process kills itself with SIGKILL, for the crash
   * tests. `segments-after-apply`: right after the segment engine stored membership changes, before their
   * audience events are appended (test/e2e/audience-outbox-crash.test.ts). Unset in production.
   */
  readonly testFault: 'segments-after-apply' | undefined
  /** Redis for shared hot state (`ATTUNE_REDIS_URL`); in process memory when unset. */
  readonly redisUrl: string | undefined
  /** Prefix of every Redis key (`ATTUNE_REDIS_PREFIX`, default `attune:`). */
  readonly redisPrefix: string
  /** NATS with JetStream between ingestion and workers (`ATTUNE_NATS_URL`); in process when unset. */
  readonly natsUrl: string | undefined
  /** JetStream stream name (`ATTUNE_NATS_STREAM`, default ATTUNE_EVENTS). */
  readonly natsStream: string
  /** Subject events are published on (`ATTUNE_NATS_SUBJECT`, default attune.events). */
  readonly natsSubject: string
  /**
   * Whether `attune serve` also runs the workers' consumers in its own process (`ATTUNE_EMBEDDED_WORKER`).
   * Default: yes without NATS (one-process mode), no with NATS (run `attune worker`).
   */
  readonly embeddedWorker: boolean
  /**
   * Requests per second allowed per write key and client address (`ATTUNE_RATE_LIMIT`, default 100, 0 = no limit).
   * Counted in hot state, so with Redis the limit holds across all API nodes.
   */
  readonly rateLimit: number
  /** Requests per second allowed per secret key and client address (`ATTUNE_SECRET_RATE_LIMIT`, default 1000, 0 = no limit). */
  readonly secretRateLimit: number
  /**
   * Requests without a valid key (none, unknown, revoked) allowed per client address and minute
   * (`ATTUNE_AUTH_FAILURE_LIMIT`, default 60, 0 = no limit); beyond it, requests without a valid key in a header get 429.
   */
  readonly authFailureLimit: number
  /** Failed dashboard sign-ins allowed per email in 15 minutes, and five times as many per address (`ATTUNE_LOGIN_FAILURE_LIMIT`, default 10; 0 = no limit). */
  readonly loginFailureLimit: number
  /** The first admin's email (`ATTUNE_ADMIN_EMAIL`, default admin@localhost), used only when there is no staff user yet. */
  readonly adminEmail: string | undefined
  /** The first admin's password (`ATTUNE_ADMIN_PASSWORD`); unset: one is generated, printed once and must be changed at the first sign-in. */
  readonly adminPassword: string | undefined
  /** Most milliseconds to receive a whole request, headers and body (`ATTUNE_REQUEST_TIMEOUT_MS`, default 30000). */
  readonly requestTimeoutMs: number
  /** Most milliseconds to receive a request's headers (`ATTUNE_HEADERS_TIMEOUT_MS`, default 10000; at most the request timeout). */
  readonly headersTimeoutMs: number
  /** How long an idle keep-alive connection stays open (`ATTUNE_KEEP_ALIVE_TIMEOUT_MS`, default 65000: longer than load balancers' 60 s). */
  readonly keepAliveTimeoutMs: number
  /** A connection on which nothing moves for this long is closed (`ATTUNE_CONNECTION_TIMEOUT_MS`, default 120000). */
  readonly connectionTimeoutMs: number
  /**
   * How long a non-personalized recommendation answer is reused for the same request
   * (`ATTUNE_RECOMMENDATION_CACHE_MS`, default 2000, 0 = never): the same order as the catalogue cache.
   */
  readonly recommendationCacheMs: number
  /**
   * Origins whose pages may call the API from the browser (`ATTUNE_CORS_ORIGINS`, comma-separated; `*`,
   * the default, allows any: the browser SDK runs on the shop's own domain, and the write key is public).
   * Empty: no cross-origin calls.
   */
  readonly corsOrigins: string[]
  /** Largest request body in bytes (Segment's batch limit, 500 KB). */
  readonly maxBatchBytes: number
  /** Largest single event in bytes (Segment's limit, 32 KB). */
  readonly maxEventBytes: number
  /** Half-life of category and brand affinities, in days (`ATTUNE_AFFINITY_HALF_LIFE_DAYS`, default 30). */
  readonly affinityHalfLifeDays: number
  /** Affinity weights by event type (`ATTUNE_AFFINITY_WEIGHTS`, e.g. "view=1,click=2,cart=4,purchase=8"). */
  readonly affinityWeights: Record<string, number>
  /**
   * Consent assumed for purposes a person never stated (`ATTUNE_CONSENT_DEFAULTS`, default
   * "personalization=granted,email=denied,advertising=denied,sensitive=denied").
   */
  readonly consentDefaults: Record<string, boolean>
  /** Most identifiers of a type one person may hold (`ATTUNE_IDENTITY_LIMITS`, e.g. "anonymous_id=200,email=5"). */
  readonly identityLimits: Record<string, number>
  /** Repeat buyers the CLV models need; fewer: RFM percentiles (`ATTUNE_CLV_MIN_REPEAT_BUYERS`, default 500). */
  readonly clvMinRepeatBuyers: number
  /** Days of orders the CLV models need (`ATTUNE_CLV_MIN_DAYS`, default 180). */
  readonly clvMinDays: number
  /** Minutes between scheduled trainings (`ATTUNE_TRAIN_INTERVAL_MINUTES`, default 60; 0 = only on demand). */
  readonly trainIntervalMinutes: number
  /** Threads a training run uses (`ATTUNE_TRAIN_THREADS`, default: all cores). */
  readonly trainThreads: number
  /** Whether a start seeds the built-in segments never seeded before (`ATTUNE_BUILT_IN_SEGMENTS`, default true). */
  readonly builtInSegments: boolean
}

const WEIGHT_NAMES = ['view', 'click', 'cart', 'purchase', 'list'] as const
const LIMIT_NAMES = ['email', 'external', 'device_id', 'anonymous_id'] as const

/** "a=1,b=2" settings; every name must be one of `names` and every value pass `parse`. */
function pairsSetting<V>(env: Env, name: string, names: readonly string[] | null, parse: (raw: string) => V | undefined, what: string): Record<string, V> {
  const raw = env[name]
  const out: Record<string, V> = {}
  if (raw === undefined || raw.trim() === '') return out
  for (const pair of raw.split(',')) {
    const [key, value, extra] = pair.split('=').map((x) => x.trim())
    const parsed = value === undefined ? undefined : parse(value)
    if (!key || extra !== undefined || parsed === undefined || (names !== null && !names.includes(key))) {
      throw new AttuneError(
        'invalid_field',
        `${name} must be a comma-separated list of name=${what}${names ? ` with names from ${names.join(', ')}` : ''}; "${pair}" is not`,
        name,
      )
    }
    out[key] = parsed
  }
  return out
}

function numberSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min || value > max) throw new AttuneError('invalid_field', `${name} must be a number from ${min} to ${max}, got "${raw}"`, name)
  return value
}

type Env = Record<string, string | undefined>

function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AttuneError('invalid_field', `${name} must be an integer from ${min} to ${max}, got "${raw}"`, name)
  }
  return value
}

function choice<T extends string>(env: Env, name: string, options: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(options as readonly string[]).includes(raw)) {
    throw new AttuneError('invalid_field', `${name} must be one of ${options.join(', ')}, got "${raw}"`, name)
  }
  return raw as T
}

function urlSetting(env: Env, name: string, schemes: readonly string[]): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  let scheme: string
  try {
    scheme = new URL(raw).protocol
  } catch {
    throw new AttuneError('invalid_field', `${name} is not a URL: "${raw}"`, name)
  }
  if (!schemes.includes(scheme)) throw new AttuneError('invalid_field', `${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got "${raw}"`, name)
  return raw
}

function nameSetting(env: Env, name: string, fallback: string, pattern: RegExp): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!pattern.test(raw)) throw new AttuneError('invalid_field', `${name} must match ${pattern}, got "${raw}"`, name)
  return raw
}

function trustProxySetting(env: Env): boolean | number | string[] {
  const raw = env.ATTUNE_TRUST_PROXY?.trim()
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const addresses = raw.split(',').map((a) => a.trim()).filter(Boolean)
  if (addresses.some((a) => !/^[\da-fA-F.:/]+$/.test(a))) {
    throw new AttuneError('invalid_field', `ATTUNE_TRUST_PROXY must be a hop count, true or comma-separated proxy addresses, got "${raw}"`, 'ATTUNE_TRUST_PROXY')
  }
  return addresses
}

function keySetting(env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  if (raw.length < 16 || /\s|:/.test(raw)) {
    throw new AttuneError('invalid_field', `${name} must be at least 16 characters without spaces or colons`, name)
  }
  return raw
}

/** Builds the configuration from an environment (default: the process's) plus explicit overrides. */
export function loadConfig(overrides: Partial<Config> = {}, env: Env = process.env): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.ATTUNE_DATA_DIR ?? './data')
  const natsUrl = urlSetting(env, 'ATTUNE_NATS_URL', ['nats:', 'tls:'])
  const embedded = env.ATTUNE_EMBEDDED_WORKER
  const requestTimeoutMs = intSetting(env, 'ATTUNE_REQUEST_TIMEOUT_MS', 30_000, 1, 3_600_000)
  const config: Config = {
    port: intSetting(env, 'PORT', 8787, 0, 65535),
    host: env.ATTUNE_HOST || env.HOST || '127.0.0.1',
    metricsPort: env.ATTUNE_METRICS_PORT ? intSetting(env, 'ATTUNE_METRICS_PORT', 0, 1, 65535) : undefined,
    trustProxy: trustProxySetting(env),
    dataDir,
    databaseUrl: env.ATTUNE_DATABASE_URL || `sqlite://${path.join(dataDir, 'attune.db')}`,
    writeKey: keySetting(env, 'ATTUNE_WRITE_KEY'),
    secretKey: keySetting(env, 'ATTUNE_SECRET_KEY'),
    logLevel: choice(env, 'ATTUNE_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    logRequests: env.ATTUNE_LOG_REQUESTS === '1' || env.ATTUNE_LOG_REQUESTS === 'true',
    sqliteSync: choice(env, 'ATTUNE_SQLITE_SYNC', ['full', 'normal'], 'full'),
    testFault: env.ATTUNE_TEST_FAULT ? choice(env, 'ATTUNE_TEST_FAULT', ['segments-after-apply'] as const, 'segments-after-apply') : undefined,
    redisUrl: urlSetting(env, 'ATTUNE_REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: nameSetting(env, 'ATTUNE_REDIS_PREFIX', 'attune:', /^[\w:.-]{1,64}$/),
    natsUrl,
    natsStream: nameSetting(env, 'ATTUNE_NATS_STREAM', 'ATTUNE_EVENTS', /^[\w-]{1,64}$/),
    natsSubject: nameSetting(env, 'ATTUNE_NATS_SUBJECT', 'attune.events', /^[\w-]+(\.[\w-]+)*$/),
    embeddedWorker: embedded === undefined || embedded === '' ? natsUrl === undefined : embedded === '1' || embedded === 'true',
    rateLimit: intSetting(env, 'ATTUNE_RATE_LIMIT', 100, 0, 1_000_000),
    secretRateLimit: intSetting(env, 'ATTUNE_SECRET_RATE_LIMIT', 1000, 0, 1_000_000),
    authFailureLimit: intSetting(env, 'ATTUNE_AUTH_FAILURE_LIMIT', 60, 0, 1_000_000),
    loginFailureLimit: intSetting(env, 'ATTUNE_LOGIN_FAILURE_LIMIT', 10, 0, 1_000_000),
    adminEmail: env.ATTUNE_ADMIN_EMAIL || undefined,
    adminPassword: env.ATTUNE_ADMIN_PASSWORD || undefined,
    requestTimeoutMs,
    headersTimeoutMs: intSetting(env, 'ATTUNE_HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 1, requestTimeoutMs),
    keepAliveTimeoutMs: intSetting(env, 'ATTUNE_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1, 3_600_000),
    connectionTimeoutMs: intSetting(env, 'ATTUNE_CONNECTION_TIMEOUT_MS', 120_000, 1, 3_600_000),
    recommendationCacheMs: intSetting(env, 'ATTUNE_RECOMMENDATION_CACHE_MS', 2000, 0, 60_000),
    corsOrigins: (env.ATTUNE_CORS_ORIGINS ?? '*').split(',').map((o) => o.trim()).filter(Boolean),
    maxBatchBytes: 500 * 1024,
    maxEventBytes: 32 * 1024,
    affinityHalfLifeDays: numberSetting(env, 'ATTUNE_AFFINITY_HALF_LIFE_DAYS', 30, 0.01, 3650),
    affinityWeights: pairsSetting(env, 'ATTUNE_AFFINITY_WEIGHTS', WEIGHT_NAMES, (v) => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined), 'number'),
    consentDefaults: {
      personalization: true,
      email: false,
      advertising: false,
      sensitive: false,
      ...pairsSetting(env, 'ATTUNE_CONSENT_DEFAULTS', null, (v) => (v === 'granted' ? true : v === 'denied' ? false : undefined), 'granted|denied'),
    },
    clvMinRepeatBuyers: intSetting(env, 'ATTUNE_CLV_MIN_REPEAT_BUYERS', 500, 1, 1_000_000_000),
    clvMinDays: intSetting(env, 'ATTUNE_CLV_MIN_DAYS', 180, 1, 36_500),
    trainIntervalMinutes: intSetting(env, 'ATTUNE_TRAIN_INTERVAL_MINUTES', 60, 0, 7 * 24 * 60),
    trainThreads: intSetting(env, 'ATTUNE_TRAIN_THREADS', os.availableParallelism(), 1, 64),
    builtInSegments: ['true', '1'].includes(choice(env, 'ATTUNE_BUILT_IN_SEGMENTS', ['true', 'false', '1', '0'], 'true')),
    identityLimits: pairsSetting(env, 'ATTUNE_IDENTITY_LIMITS', LIMIT_NAMES, (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 10000 ? Number(v) : undefined), 'integer 1-10000'),
    ...overrides,
  }
  return Object.freeze(config)
}
