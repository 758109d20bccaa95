/**
 * The `cutover` state schema in the target database, created and upgraded by kysely's Migrator.
 * Each migration is append-only: released ones are never edited.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

function stateMigrations(schema: string): Record<string, Migration> {
  const s = sql.id(schema);
  return {
    '0001_state': {
      async up(db) {
        await sql`CREATE TABLE ${s}.runs (
          run_id bigserial PRIMARY KEY,
          mode text NOT NULL,
          status text NOT NULL,
          entities jsonb NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          host text NOT NULL,
          pid integer NOT NULL,
          error text)`.execute(db);
        // One row per run and entity, incremented in each batch's transaction: the ledger can
        // never count a batch that did not commit.
        await sql`CREATE TABLE ${s}.run_ledger (
          run_id bigint NOT NULL REFERENCES ${s}.runs(run_id),
          entity text NOT NULL,
          status text NOT NULL DEFAULT 'running',
          read bigint NOT NULL DEFAULT 0,
          inserted bigint NOT NULL DEFAULT 0,
          updated bigint NOT NULL DEFAULT 0,
          unchanged bigint NOT NULL DEFAULT 0,
          merged bigint NOT NULL DEFAULT 0,
          rejected bigint NOT NULL DEFAULT 0,
          filtered bigint NOT NULL DEFAULT 0,
          deleted bigint NOT NULL DEFAULT 0,
          batches integer NOT NULL DEFAULT 0,
          started_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          PRIMARY KEY (run_id, entity))`.execute(db);
        await sql`CREATE TABLE ${s}.watermarks (
          entity text PRIMARY KEY,
          cursor jsonb,
          key jsonb,
          run_id bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now())`.execute(db);
        await sql`CREATE TABLE ${s}.id_map (
          entity text NOT NULL,
          legacy_key text NOT NULL,
          status text NOT NULL,
          target_id text,
          owns_row boolean NOT NULL DEFAULT false,
          row_hash text,
          detail text,
          run_id bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity, legacy_key))`.execute(db);
        await sql`CREATE TABLE ${s}.rejects (
          entity text NOT NULL,
          ref text NOT NULL,
          legacy_key text,
          origin text NOT NULL,
          stage text NOT NULL,
          reason text NOT NULL,
          payload jsonb,
          run_id bigint NOT NULL,
          first_run_id bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity, ref))`.execute(db);
      },
    },
    '0002_deletes_and_drift': {
      async up(db) {
        // A target row still to delete or archive because its legacy row was deleted; kept until
        // the target accepts it (a parent row is refused while children point at it).
        await sql`ALTER TABLE ${s}.id_map ADD COLUMN pending_action text`.execute(db);
        await sql`CREATE INDEX id_map_pending ON ${s}.id_map (entity, legacy_key) WHERE pending_action IS NOT NULL`.execute(db);
        // Legacy rows found deleted (gone from the source) by `--detect-deletes`.
        await sql`ALTER TABLE ${s}.run_ledger ADD COLUMN source_deleted bigint NOT NULL DEFAULT 0`.execute(db);
        // The source's columns as the last run saw them, for schema-drift reports.
        await sql`CREATE TABLE ${s}.source_columns (
          entity text PRIMARY KEY,
          columns jsonb NOT NULL,
          run_id bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now())`.execute(db);
      },
    },
    '0003_references': {
      async up(db) {
        // Lookup field → parent legacy key of each written row: the rows to re-point when a parent
        // is merged into a survivor or split from one.
        await sql`ALTER TABLE ${s}.id_map ADD COLUMN refs jsonb`.execute(db);
        await sql`CREATE INDEX id_map_refs ON ${s}.id_map USING gin (refs jsonb_path_ops)`.execute(db);
      },
    },
    '0004_dedupe': {
      async up(db) {
        await sql`CREATE TABLE ${s}.dedupe_records (
          entity text NOT NULL,
          legacy_key text NOT NULL,
          anchor_key text NOT NULL,
          profile jsonb NOT NULL,
          values jsonb NOT NULL,
          run_id bigint NOT NULL,
          PRIMARY KEY (entity, legacy_key))`.execute(db);
        await sql`CREATE INDEX dedupe_records_anchor ON ${s}.dedupe_records (entity, anchor_key)`.execute(db);
        await sql`CREATE TABLE ${s}.match_keys (
          entity text NOT NULL,
          key text NOT NULL,
          legacy_key text NOT NULL,
          PRIMARY KEY (entity, key, legacy_key))`.execute(db);
        await sql`CREATE INDEX match_keys_record ON ${s}.match_keys (entity, legacy_key)`.execute(db);
        await sql`CREATE TABLE ${s}.merges (
          entity text NOT NULL,
          legacy_key text NOT NULL,
          anchor_key text NOT NULL,
          rule text NOT NULL,
          score double precision NOT NULL,
          run_id bigint NOT NULL,
          merged_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity, legacy_key))`.execute(db);
        await sql`CREATE TABLE ${s}.review_pairs (
          entity text NOT NULL,
          key_a text NOT NULL,
          key_b text NOT NULL,
          rule text NOT NULL,
          score double precision NOT NULL,
          run_id bigint NOT NULL,
          decision text CHECK (decision IN ('merge', 'keep_apart')),
          decided_at timestamptz,
          PRIMARY KEY (entity, key_a, key_b))`.execute(db);
      },
    },
    '0005_dedupe_values_apart': {
      async up(db) {
        // The candidate lookup and the cluster-size count read dedupe_records at random, once per
        // batch and match key; its mapped values (~530 of ~760 bytes a row) made that heap three
        // times larger than it needs to be, and at a million records larger than the server's
        // cache. They live beside it now, read only for survivorship, splits and the review file.
        await sql`CREATE TABLE ${s}.dedupe_values (
          entity text NOT NULL,
          legacy_key text NOT NULL,
          values jsonb NOT NULL,
          PRIMARY KEY (entity, legacy_key))`.execute(db);
        await sql`INSERT INTO ${s}.dedupe_values (entity, legacy_key, values) SELECT entity, legacy_key, values FROM ${s}.dedupe_records`.execute(db);
        await sql`ALTER TABLE ${s}.dedupe_records DROP COLUMN values`.execute(db);
      },
    },
    '0006_merge_pages': {
      async up(db) {
        // The review file pages through the merges in (score, anchor, record) order. Without an
        // index each page sorted every merge: 350,000 merges at 5,000,000 customers took ~1.5 s a
        // page, 350 pages.
        await sql`CREATE INDEX merges_pages ON ${s}.merges (entity, score, anchor_key, legacy_key)`.execute(db);
      },
    },
    '0007_run_lock': {
      async up(db) {
        // Who may write: every write transaction of a run reads this row FOR SHARE and checks that it
        // names its own run, and a run that takes over writes itself here (waiting for the
        // transactions of the previous holder). One row, always present, so nothing races to insert it.
        await sql`CREATE TABLE ${s}.run_lock (
          id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
          run_id bigint,
          pid integer,
          host text,
          since timestamptz)`.execute(db);
        await sql`INSERT INTO ${s}.run_lock (id) VALUES (1)`.execute(db);
        // When each entity of a run last committed: whether a run is moving, and the order of
        // commits of runs one after the other.
        await sql`ALTER TABLE ${s}.run_ledger ADD COLUMN last_commit_at timestamptz`.execute(db);
      },
    },
  };
}

class StateMigrationProvider implements MigrationProvider {
  constructor(readonly schema: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return stateMigrations(this.schema);
  }
}

/**
 * Creates or upgrades the state schema; safe to call at every start.
 * @param to a migration name to stop at (tests of upgrades from an older state). @default the latest
 */
export async function migrateState(db: Kysely<any>, schema: string, to?: string): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new StateMigrationProvider(schema),
    migrationTableSchema: schema,
    migrationTableName: 'state_migrations',
    migrationLockTableName: 'state_migrations_lock',
  });
  const { error, results } = to === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(to);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`could not create or upgrade the state schema \`${schema}\` (migration ${failed})`, { cause: error });
  }
}
