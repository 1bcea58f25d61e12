/**
 * Versioned schema migrations, run by Kysely's Migrator on every start. Each migration gets the
 * dialect, because a few column types differ (Kysely deliberately hides the dialect from migrations).
 * Never edit a released migration: add a new one.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely'
import { searchTermsOf } from '../item-search.ts'

export type Dialect = 'sqlite' | 'postgres'

type DialectMigration = (dialect: Dialect) => Migration

const initial: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    if (dialect === 'postgres') {
      // Partitioned by event time (monthly partitions are created on demand by the store). A unique
      // index on a partitioned table must include the partition key, so message-id deduplication
      // lives in its own table, written in the same transaction.
      await sql`create table events (
        seq bigserial not null,
        message_id text not null,
        type text not null,
        event text,
        kind text not null,
        user_id text,
        anonymous_id text,
        item_id text,
        timestamp bigint not null,
        received_at bigint not null,
        message text not null,
        data text not null
      ) partition by range (timestamp)`.execute(db)
      await sql`create table event_ids (message_id text primary key)`.execute(db)
      await db.schema.createIndex('events_seq').on('events').columns(['seq']).execute()
    } else {
      await db.schema
        .createTable('events')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('event', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('anonymous_id', 'text')
        .addColumn('item_id', 'text')
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute()
    }
    await db.schema.createIndex('events_user_time').on('events').columns(['user_id', 'timestamp', 'seq']).execute()
    await db.schema
      .createIndex('events_anon_time')
      .on('events')
      .columns(['anonymous_id', 'timestamp', 'seq'])
      .execute()
    await db.schema.createIndex('events_item_time').on('events').columns(['item_id', 'timestamp']).execute()
    await db.schema.createIndex('events_kind_time').on('events').columns(['kind', 'timestamp']).execute()

    await db.schema
      .createTable('items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text')
      .addColumn('description', 'text')
      .addColumn('brand', 'text')
      .addColumn('price', dialect === 'postgres' ? 'double precision' : 'real')
      .addColumn('currency', 'text')
      .addColumn('image_url', 'text')
      .addColumn('url', 'text')
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('available', 'integer', (c) => c.notNull())
      .addColumn('inventory', 'integer')
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('item_categories')
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_categories_pk', ['item_id', 'path'])
      .execute()
    await db.schema.createIndex('item_categories_path').on('item_categories').columns(['path']).execute()

    await db.schema
      .createTable('categories')
      .addColumn('path', 'text', (c) => c.primaryKey())
      .addColumn('sensitive', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute()
  },
})

/** Derived per-person activity, and the bookkeeping that makes its updates exactly-once. */
const personActivity: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('person_activity')
      .addColumn('person_id', 'text', (c) => c.primaryKey())
      .addColumn('events', 'bigint', (c) => c.notNull())
      .addColumn('orders', 'bigint', (c) => c.notNull())
      .addColumn('revenue', 'double precision', (c) => c.notNull())
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('person_kind_counts')
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('person_kind_counts_pk', ['person_id', 'kind'])
      .execute()
    // Which consumer has applied which event: a redelivered event is recognised and skipped.
    await db.schema
      .createTable('processed_events')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('processed_events_pk', ['consumer', 'message_id'])
      .execute()
    // How far an in-process consumer has read the event log.
    await db.schema
      .createTable('consumer_offsets')
      .addColumn('consumer', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .execute()
  },
})

/**
 * The identity graph and the profiles derived from it. The activity counters of 0002 are replaced by
 * profiles (which count events by kind too); their bookkeeping is replaced by `person_events`.
 */
const people: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    await db.schema.dropTable('person_activity').execute()
    await db.schema.dropTable('person_kind_counts').execute()
    await db.schema.dropTable('processed_events').execute()
    await db.schema
      .createTable('people')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('merged_into', 'text')
      .execute()
    await db.schema.createIndex('people_merged_into').on('people').columns(['merged_into']).execute()
    await db.schema
      .createTable('identities')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('identities_pk', ['type', 'value'])
      .execute()
    await db.schema.createIndex('identities_person').on('identities').columns(['person_id']).execute()
    await db.schema
      .createTable('identity_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('other_id', 'text')
      .addColumn('members', 'text', (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('identifiers', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('undone_at', 'bigint')
      .addColumn('undone_by', 'text')
      .execute()
    await db.schema.createIndex('identity_log_person').on('identity_log').columns(['person_id']).execute()
    await db.schema.createIndex('identity_log_other').on('identity_log').columns(['other_id']).execute()
    await db.schema
      .createTable('person_events')
      .addColumn('message_id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('person_events_person').on('person_events').columns(['person_id', 'timestamp']).execute()
    await db.schema
      .createTable('profiles')
      .addColumn('person_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('orders', 'bigint', (c) => c.notNull())
      .addColumn('revenue', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull())
      .addColumn('last_order', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
  },
})

/** Trained model versions: status, metrics and the artifact itself, so every node loads the same one. */
const modelVersions: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('model_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .addColumn('progress', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull().defaultTo(0))
      .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('error', 'text')
      .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('artifact', dialect === 'postgres' ? 'bytea' : 'blob')
      .execute()
    await db.schema.createIndex('model_versions_created').on('model_versions').columns(['created_at']).execute()
  },
})

/** What each recommendation request showed, per placement: the base of attribution reports. */
const recommendationImpressions: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('recommendation_impressions')
      .addColumn('recomm_id', 'text', (c) => c.notNull())
      .addColumn('placement', 'integer', (c) => c.notNull())
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text')
      .addColumn('ref', 'text')
      .addColumn('item_ids', 'text', (c) => c.notNull())
      .addColumn('served_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recommendation_impressions_pk', ['recomm_id', 'placement'])
      .execute()
    // Reports read a time range.
    await db.schema.createIndex('recommendation_impressions_served').on('recommendation_impressions').columns(['served_at']).execute()
  },
})

const staff: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('staff_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('must_change_password', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('staff_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('staff_sessions_user').on('staff_sessions').columns(['user_id']).execute()
    await db.schema.createIndex('staff_sessions_expiry').on('staff_sessions').columns(['expires_at']).execute()
  },
})

/**
 * The overview report counts events and people per time bucket over a range of event time (the live chart
 * asks for the last hour every few seconds): without these it scans the whole log.
 */
const overviewReport: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema.createIndex('events_time').on('events').columns(['timestamp']).execute()
    await db.schema.createIndex('person_events_time').on('person_events').columns(['timestamp', 'person_id']).execute()
  },
})

/**
 * What the ingest refused (each refused call or batch member, a size-capped copy of it, kept for a bounded
 * time and count), the refusals counted per day and code (kept when the rows are pruned), and which chain
 * levels supplied each recommendation placement (for the data-quality report's fallback shares).
 */
const rejectedEvents: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('rejected_events')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('batch_index', 'integer')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('field', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('type', 'text')
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('truncated', 'integer', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('rejected_events_received').on('rejected_events').columns(['received_at']).execute()
    await db.schema.createIndex('rejected_events_code').on('rejected_events').columns(['code', 'id']).execute()
    await db.schema
      .createTable('rejected_event_counts')
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rejected_event_counts_pk', ['day', 'code'])
      .execute()
    // JSON array of the levels that supplied items; null on rows written before this migration.
    await db.schema.alterTable('recommendation_impressions').addColumn('served_by', 'text').execute()
  },
})

/**
 * The people list and search (GET /v1/people): each profile's last-seen time and stated personalization
 * consent as columns (backfilled from the profile documents), ordered by an index; identifiers and
 * person ids searchable by prefix in code-point order (PostgreSQL: "C" collation indexes, as the
 * database's own collation may order text linguistically; SQLite compares bytes already).
 */
const peopleSearch: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('profiles').addColumn('last_seen', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable('profiles').addColumn('personalization', 'integer').execute()
    if (dialect === 'postgres') {
      await sql`update profiles set last_seen = coalesce((state::json->>'lastSeen')::double precision, 0)::bigint,
        personalization = case (state::json->'consent'->'personalization'->>'granted') when 'true' then 1 when 'false' then 0 end`.execute(db)
      await sql`create index identities_search on identities (type, value collate "C")`.execute(db)
      await sql`create index people_search on people (id collate "C")`.execute(db)
    } else {
      await sql`update profiles set last_seen = coalesce(cast(json_extract(state, '$.lastSeen') as integer), 0),
        personalization = case json_type(state, '$.consent.personalization.granted') when 'true' then 1 when 'false' then 0 end`.execute(db)
      // identities (type, value) and people (id) are primary keys: SQLite's indexes serve the prefix ranges.
    }
    await db.schema.createIndex('profiles_last_seen').on('profiles').columns(['last_seen', 'person_id']).execute()
  },
})

const settings: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute()
    // When each API key was last used (each node writes what it saw about once a minute).
    await db.schema
      .createTable('api_key_uses')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('last_used_at', 'bigint', (c) => c.notNull())
      .execute()
  },
})

/**
 * Catalogue search: the words of each item's title and brand and its folded id (item-search.ts), one row
 * each, keyed for prefix ranges; filled here for the items already stored, then written with every upsert.
 */
const catalogSearch: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('item_search_terms')
      .addColumn('kind', 'text', (c) => c.notNull())
      // Byte order on PostgreSQL, as on SQLite, so that a range of terms is exactly a prefix.
      .addColumn('term', dialect === 'postgres' ? sql`text collate "C"` : 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('item_search_terms_pk', ['kind', 'term', 'item_id'])
      .execute()
    await db.schema.createIndex('item_search_terms_item').on('item_search_terms').columns(['item_id']).execute()
    for (let after = ''; ; ) {
      const items: { id: string; title: string | null; brand: string | null }[] = await db
        .selectFrom('items')
        .select(['id', 'title', 'brand'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(500)
        .execute()
      if (items.length === 0) break
      const rows = items.flatMap(searchTermsOf)
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('item_search_terms').values(rows.slice(i, i + 500)).execute()
      after = items.at(-1)!.id
    }
  },
})

/**
 * Segment and computed-trait definitions (store.segmentDefinitions): the current one per id, unique per kind
 * and key; every version in a history table; the built-in keys ever seeded (so a deleted built-in stays
 * deleted); a change counter for the engines' polling.
 */
const segmentDefinitions: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    for (const table of ['segment_definitions', 'segment_definition_versions']) {
      let t = db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('built_in', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
      t = table === 'segment_definitions' ? t.addPrimaryKeyConstraint('segment_definitions_pk', ['id']) : t.addPrimaryKeyConstraint('segment_definition_versions_pk', ['id', 'version'])
      await t.execute()
    }
    await db.schema.createIndex('segment_definitions_kind_key').on('segment_definitions').columns(['kind', 'key']).unique().execute()
    await db.schema
      .createTable('segment_built_ins')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('seeded_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_built_ins_pk', ['kind', 'key'])
      .execute()
    await db.schema
      .createTable('segment_definition_stamp')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('changes', 'bigint', (c) => c.notNull())
      .execute()
    await db.insertInto('segment_definition_stamp').values({ id: 1, changes: 0 }).execute()
  },
})

/**
 * What the segment engine derives (segment-members.ts): current memberships, their history, computed trait
 * values and the re-evaluation schedule the scheduler claims from.
 */
const segmentMembers: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('segment_members')
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_members_pk', ['segment_id', 'person_id'])
      .execute()
    await db.schema.createIndex('segment_members_person').on('segment_members').columns(['person_id']).execute()
    await db.schema.createIndex('segment_members_since').on('segment_members').columns(['segment_id', 'since', 'person_id']).execute()
    await db.schema
      .createTable('segment_member_history')
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('entered', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('segment_member_history_time').on('segment_member_history').columns(['segment_id', 'at']).execute()
    await db.schema.createIndex('segment_member_history_person').on('segment_member_history').columns(['person_id', 'at']).execute()
    await db.schema
      .createTable('trait_values')
      .addColumn('trait_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('trait_values_pk', ['trait_id', 'person_id'])
      .execute()
    await db.schema.createIndex('trait_values_person').on('trait_values').columns(['person_id']).execute()
    await db.schema
      .createTable('segment_schedule')
      .addColumn('person_id', 'text', (c) => c.primaryKey())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('segment_schedule_due').on('segment_schedule').columns(['due_at', 'person_id']).execute()
    // Which definitions (a signature of ids and versions) everyone was last evaluated against.
    await db.schema
      .createTable('segment_engine_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute()
  },
})

/** The CLV predictions of the last training run, one row per person (storage/predictions.ts). */
const predictions: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    const double = dialect === 'postgres' ? 'double precision' : 'real'
    await db.schema
      .createTable('predictions')
      .addColumn('person_id', 'text', (c) => c.primaryKey())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('probability_alive', double)
      .addColumn('expected_orders_90', double)
      .addColumn('expected_orders_365', double)
      .addColumn('predicted_value_12m', double)
      .addColumn('percentile', double, (c) => c.notNull())
      .addColumn('model_version', 'text', (c) => c.notNull())
      .addColumn('computed_at', 'bigint', (c) => c.notNull())
      .execute()
    // "High CLV (top 20 %)" selects by percentile.
    await db.schema.createIndex('predictions_percentile').on('predictions').columns(['percentile']).execute()
  },
})

/**
 * The audience events' outbox (segment-members.ts): one row per membership change whose Audience Entered /
 * Exited event is not known to be in the log yet, written in the transaction that stores the change (the
 * history row is the record of it) and deleted once the event was appended. The engine re-appends what is
 * left here at start and on every tick, so a crash between the two never loses an event. Rows of history
 * written before this migration count as published (their events were appended then).
 */
const audienceOutbox: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('segment_audience_pending')
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('entered', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_audience_pending_pk', ['segment_id', 'person_id', 'entered', 'at'])
      .execute()
    await db.schema.createIndex('segment_audience_pending_at').on('segment_audience_pending').columns(['at', 'segment_id', 'person_id', 'entered']).execute()
  },
})

/**
 * The live feed filtered by kind (`GET /v1/events?kind=`, polled every 2 s by the dashboard) reads the newest
 * events of one kind by log position: without this index SQLite sorted every event of the kind on each poll.
 */
const eventsKindSeq: DialectMigration = () => ({
  async up(db: Kysely<any>) {
    await db.schema.createIndex('events_kind_seq').on('events').columns(['kind', 'seq']).execute()
  },
})

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-initial': initial,
  '0002-person-activity': personActivity,
  '0003-people': people,
  '0004-model-versions': modelVersions,
  '0005-recommendation-impressions': recommendationImpressions,
  '0006-staff': staff,
  '0007-rejected-events': rejectedEvents,
  '0008-people-search': peopleSearch,
  '0009-overview-report': overviewReport,
  '0010-settings': settings,
  '0011-catalog-search': catalogSearch,
  '0012-segment-definitions': segmentDefinitions,
  '0013-segment-members': segmentMembers,
  '0014-predictions': predictions,
  '0015-audience-outbox': audienceOutbox,
  '0016-events-kind-seq': eventsKindSeq,
}

/** The in-code migration provider for one dialect. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, m(dialect)]))
    },
  }
}
