/**
 * Engine settings (admins, or the secret key): GET /v1/settings and PUT /v1/settings, today the consent
 * defaults (what the engine assumes for a purpose a person never stated), stored over the configured ones;
 * and GET /v1/config, the configuration in force, read only, with every secret masked.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import type { Config } from '../../core/index.ts'
import { MAX_PURPOSES } from '../live-settings.ts'
import { keyOf, requireScope, type RouteContext, secretKeySecurity, staffOf } from './context.ts'

const Purposes = (description: string) => Type.Record(Type.String(), Type.Boolean(), { description })
export const SettingsReply = Type.Object({
  consentDefaults: Purposes('In force: per purpose, granted (true) or denied (false) for a person who never stated it. The stored value where there is one, else the configured one.'),
  configuredConsentDefaults: Purposes('What ATTUNE_CONSENT_DEFAULTS (over the built-in defaults) says.'),
  storedConsentDefaults: Type.Union([Purposes('The stored overrides.'), Type.Null()]),
  version: Type.Integer({ description: 'Raised by every change: send it with PUT to be sure nobody changed the settings since you read them.' }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()], { description: 'The staff email, or "secret key <id>".' }),
})
export type SettingsReply = Static<typeof SettingsReply>
const SettingsBody = Type.Object(
  {
    consentDefaults: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,49}$' }), Type.Boolean(), {
      maxProperties: MAX_PURPOSES,
      // Without it, a key that misses the pattern ("Personalization") would skip every check.
      additionalProperties: false,
      description: 'Replaces the stored consent defaults: purposes granted (true) or denied (false) by default. Purposes left out take the configured value ({} goes back to the configuration). "sensitive" cannot be granted by default.',
    }),
    version: Type.Optional(Type.Integer({ minimum: 0, description: 'The version you read; a change made since then makes this one fail with 409.' })),
  },
  { additionalProperties: false },
)
export type SettingsBody = Static<typeof SettingsBody>

export const ConfigEntry = Type.Object({
  name: Type.String({ description: 'The field of the configuration.' }),
  env: Type.Union([Type.String(), Type.Null()], { description: 'The environment variable that sets it (null: fixed).' }),
  value: Type.Unknown({ description: 'Its value in force; secrets are masked.' }),
  masked: Type.Boolean({ description: 'Whether the value (or a part of it, such as a URL\'s password) was hidden.' }),
  overriddenBy: Type.Union([Type.String(), Type.Null()], { description: 'A stored setting that takes precedence (see GET /v1/settings).' }),
})
export type ConfigEntry = Static<typeof ConfigEntry>
export const ConfigReply = Type.Object({ entries: Type.Array(ConfigEntry) })
export type ConfigReply = Static<typeof ConfigReply>

const tags = ['settings']
const security = secretKeySecurity

export function settingsRoutes(ctx: RouteContext) {
  const { settings, config } = ctx.engine
  const admin = requireScope(ctx, 'secret', 'admin')
  return async (app: FastifyInstance) => {
    app.get(
      '/v1/settings',
      { preHandler: admin, schema: { tags, summary: 'Engine settings (consent defaults)', security, response: { 200: SettingsReply } } },
      async () => {
        // Another node may have changed them since this node's last refresh.
        await settings.refresh()
        return settings.view()
      },
    )
    app.put<{ Body: SettingsBody }>(
      '/v1/settings',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Change the engine settings',
          description:
            'Counts on this node at once and on the others within 10 s: for a person who never stated a purpose, recommendations, content decisions and the profile view follow the new default at their next request, and the profile fold from the next event on (what was inferred before stays; a person denied by default is served without personalization even so).',
          security,
          body: SettingsBody,
          response: { 200: SettingsReply },
        },
      },
      async (request) => {
        const signedIn = staffOf(request)
        const by = signedIn ? signedIn.user.email : `secret key ${keyOf(request).id}`
        return settings.update({ consentDefaults: request.body.consentDefaults }, { updatedBy: by, expectedVersion: request.body.version })
      },
    )
    app.get(
      '/v1/config',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'The configuration in force (read only, secrets masked)',
          description: 'Every field of the configuration with the environment variable that sets it (docs/config.md). Keys, passwords and the credentials in URLs are masked.',
          security,
          response: { 200: ConfigReply },
        },
      },
      async () => ({ entries: configEntries(config, settings.view().storedConsentDefaults !== null) }),
    )
  }
}

/** What to show of a field: its value, a URL without its credentials, or only whether it is set. */
type Shown = 'plain' | 'url' | 'secret'

/**
 * Every field of the configuration, with its environment variable and how to show it. Typed over every key
 * of Config: a new field does not compile until it is listed here, with a decision about masking.
 */
const FIELDS: { readonly [K in keyof Config]-?: { env: string | null; shown: Shown } } = {
  port: { env: 'PORT', shown: 'plain' },
  host: { env: 'ATTUNE_HOST', shown: 'plain' },
  metricsPort: { env: 'ATTUNE_METRICS_PORT', shown: 'plain' },
  trustProxy: { env: 'ATTUNE_TRUST_PROXY', shown: 'plain' },
  dataDir: { env: 'ATTUNE_DATA_DIR', shown: 'plain' },
  databaseUrl: { env: 'ATTUNE_DATABASE_URL', shown: 'url' },
  writeKey: { env: 'ATTUNE_WRITE_KEY', shown: 'secret' },
  secretKey: { env: 'ATTUNE_SECRET_KEY', shown: 'secret' },
  logLevel: { env: 'ATTUNE_LOG_LEVEL', shown: 'plain' },
  logRequests: { env: 'ATTUNE_LOG_REQUESTS', shown: 'plain' },
  sqliteSync: { env: 'ATTUNE_SQLITE_SYNC', shown: 'plain' },
  testFault: { env: 'ATTUNE_TEST_FAULT', shown: 'plain' },
  redisUrl: { env: 'ATTUNE_REDIS_URL', shown: 'url' },
  redisPrefix: { env: 'ATTUNE_REDIS_PREFIX', shown: 'plain' },
  natsUrl: { env: 'ATTUNE_NATS_URL', shown: 'url' },
  natsStream: { env: 'ATTUNE_NATS_STREAM', shown: 'plain' },
  natsSubject: { env: 'ATTUNE_NATS_SUBJECT', shown: 'plain' },
  embeddedWorker: { env: 'ATTUNE_EMBEDDED_WORKER', shown: 'plain' },
  rateLimit: { env: 'ATTUNE_RATE_LIMIT', shown: 'plain' },
  secretRateLimit: { env: 'ATTUNE_SECRET_RATE_LIMIT', shown: 'plain' },
  authFailureLimit: { env: 'ATTUNE_AUTH_FAILURE_LIMIT', shown: 'plain' },
  loginFailureLimit: { env: 'ATTUNE_LOGIN_FAILURE_LIMIT', shown: 'plain' },
  adminEmail: { env: 'ATTUNE_ADMIN_EMAIL', shown: 'plain' },
  adminPassword: { env: 'ATTUNE_ADMIN_PASSWORD', shown: 'secret' },
  requestTimeoutMs: { env: 'ATTUNE_REQUEST_TIMEOUT_MS', shown: 'plain' },
  headersTimeoutMs: { env: 'ATTUNE_HEADERS_TIMEOUT_MS', shown: 'plain' },
  keepAliveTimeoutMs: { env: 'ATTUNE_KEEP_ALIVE_TIMEOUT_MS', shown: 'plain' },
  connectionTimeoutMs: { env: 'ATTUNE_CONNECTION_TIMEOUT_MS', shown: 'plain' },
  recommendationCacheMs: { env: 'ATTUNE_RECOMMENDATION_CACHE_MS', shown: 'plain' },
  corsOrigins: { env: 'ATTUNE_CORS_ORIGINS', shown: 'plain' },
  maxBatchBytes: { env: null, shown: 'plain' },
  maxEventBytes: { env: null, shown: 'plain' },
  affinityHalfLifeDays: { env: 'ATTUNE_AFFINITY_HALF_LIFE_DAYS', shown: 'plain' },
  affinityWeights: { env: 'ATTUNE_AFFINITY_WEIGHTS', shown: 'plain' },
  consentDefaults: { env: 'ATTUNE_CONSENT_DEFAULTS', shown: 'plain' },
  identityLimits: { env: 'ATTUNE_IDENTITY_LIMITS', shown: 'plain' },
  clvMinRepeatBuyers: { env: 'ATTUNE_CLV_MIN_REPEAT_BUYERS', shown: 'plain' },
  clvMinDays: { env: 'ATTUNE_CLV_MIN_DAYS', shown: 'plain' },
  trainIntervalMinutes: { env: 'ATTUNE_TRAIN_INTERVAL_MINUTES', shown: 'plain' },
  trainThreads: { env: 'ATTUNE_TRAIN_THREADS', shown: 'plain' },
  builtInSegments: { env: 'ATTUNE_BUILT_IN_SEGMENTS', shown: 'plain' },
}

export const MASK = '********'

/** The configuration as GET /v1/config shows it. */
export function configEntries(config: Config, consentStored: boolean): ConfigEntry[] {
  const entries: ConfigEntry[] = []
  for (const name of Object.keys(config).sort() as (keyof Config)[]) {
    // A field the table does not know (an override passed in code) is hidden whole.
    const field = FIELDS[name] ?? { env: null, shown: 'secret' as const }
    const raw: unknown = config[name]
    const shown: Shown = field.shown
    let value: unknown = raw ?? null
    let masked = false
    if (raw !== undefined && raw !== null && raw !== '') {
      if (shown === 'secret') {
        value = MASK
        masked = true
      } else if (shown === 'url' && typeof raw === 'string') {
        const hidden = maskUrl(raw)
        value = hidden
        masked = hidden !== raw
      } else if (typeof raw === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(raw)) {
        // A URL with credentials in a field not marked as one: hidden all the same.
        value = maskUrl(raw)
        masked = true
      }
    }
    entries.push({ name, env: field.env, value, masked, overriddenBy: name === 'consentDefaults' && consentStored ? 'settings' : null })
  }
  return entries
}

/**
 * A URL without its secrets: the password, and a user part standing alone (NATS and some Redis clients
 * take a bare token there); query parameters that name a credential. An unparseable value is masked whole.
 */
export function maskUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return MASK
  }
  const secretParams = [...url.searchParams.keys()].filter((name) => /pass|secret|token|key|auth|cred/i.test(name))
  if (!url.password && !url.username && secretParams.length === 0) return raw
  if (url.password) url.password = MASK
  else if (url.username) url.username = MASK
  for (const name of secretParams) url.searchParams.set(name, MASK)
  return url.toString()
}
