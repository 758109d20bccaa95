/**
 * The migration state (state-store.ts) in schema `cutover` of a PostgreSQL or PGlite database:
 * the target's own where the target is one, else the database of `target.state`. Batch writes go
 * through the caller's transaction so that state commits with the rows it describes (STYLE 4);
 * the writes this store makes on its own each run in a transaction of the state database, which
 * the session guards with the run lock.
 */
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { StateDatabase, StateTransaction } from '../../connectors/sink.js';
import { redactUrl } from '../../connectors/connection-url.js';
import type { ColumnInfo, Watermark, WatermarkValue } from '../../connectors/types.js';
import type { Rejection } from '../../transforms/rejection.js';
import { emptyLedger, LEDGER_BUCKETS, type LedgerCounts } from './ledger.js';
import { PgDedupeStore } from './pg-dedupe-store.js';
import { PgDeletionStore } from './pg-deletion-store.js';
import { PgRunLockStore } from './pg-run-lock-store.js';
import { migrateState } from './state-migrations.js';
import { isoTimestamp, isoTimestampOrNull } from './iso-timestamp.js';
import { isStorableText, storableJson, storableText } from './storable-text.js';
import {
  KEY_STATUSES,
  type BatchDelta,
  type EntityLedger,
  type KeyState,
  type KeyStatus,
  type KeyUpdate,
  type PendingAction,
  type RunRecord,
  type RunStatus,
  type StateCounts,
  type StateStore,
  type StoredRejection,
} from './state-store.js';
import type { DedupeStore } from './dedupe-store.js';
import type { DeletionStore } from './deletion-store.js';
import type { RunLockStore } from './run-lock-store.js';

/** The state store of `schema` in a PostgreSQL or PGlite database. */
export function openStateStore(database: StateDatabase, schema: string): StateStore {
  return new PgStateStore(database, schema);
}

class PgStateStore implements StateStore {
  readonly #database: StateDatabase;
  readonly #db: Kysely<any>;
  readonly #schema: string;
  readonly dedupe: DedupeStore;
  readonly deletions: DeletionStore;
  readonly lock: RunLockStore;

  constructor(database: StateDatabase, schema: string) {
    this.#database = database;
    this.#db = database.db;
    this.#schema = schema;
    this.dedupe = new PgDedupeStore(database, schema);
    this.deletions = new PgDeletionStore(database, schema);
    this.lock = new PgRunLockStore(database, schema);
  }

  /** A write of this store's own, in a transaction of its own: the session's guard checks it first while a run holds the lock. */
  async #write(statement: (db: Kysely<any>) => Promise<unknown>): Promise<void> {
    await this.#database.transaction(async (tx) => void (await statement(tx.db)));
  }

  get schema(): string {
    return this.#schema;
  }

  async exists(): Promise<boolean> {
    const { rows } = await sql<{ found: boolean }>`SELECT to_regclass(${`${this.#schema}.runs`}) IS NOT NULL AS found`.execute(this.#db);
    return rows[0]?.found === true;
  }

  migrate(): Promise<void> {
    return migrateState(this.#db, this.#schema);
  }

  #table(name: string) {
    return sql.table(`${this.#schema}.${name}`);
  }

  // Called before the run holds the lock, so before the session guards its transactions.
  async beginRun(mode: string, entities: readonly string[]): Promise<number> {
    return this.#database.transaction(async (tx) => {
      const { rows } = await sql<{ run_id: string }>`INSERT INTO ${this.#table('runs')} (mode, status, entities, host, pid)
        VALUES (${mode}, 'running', ${JSON.stringify(entities)}::jsonb, ${hostname()}, ${process.pid}) RETURNING run_id::text`.execute(tx.db);
      const runId = Number(rows[0]!.run_id);
      await this.lock.takeOver(tx, runId);
      await sql`UPDATE ${this.#table('runs')} SET status = 'interrupted', finished_at = now(),
                  error = COALESCE(error, ${`stopped before it finished (its process ended, or it lost the run lock); run ${runId} took over; committed batches are kept`})
                WHERE status = 'running' AND run_id <> ${runId}`.execute(tx.db);
      return runId;
    });
  }

  // Not guarded (db, not a transaction): see StateStore.finishRun.
  async finishRun(runId: number, status: RunStatus, error?: string): Promise<void> {
    await sql`UPDATE ${this.#table('runs')} SET status = ${status}, finished_at = now(), error = ${error === undefined ? null : storableText(redactUrl(error))}
              WHERE run_id = ${runId} AND status = 'running'`.execute(this.#db);
    await sql`UPDATE ${this.#table('run_ledger')} SET status = ${status}, finished_at = now()
              WHERE run_id = ${runId} AND status = 'running'`.execute(this.#db);
  }

  async beginEntity(runId: number, entity: string): Promise<void> {
    await this.#write((db) => sql`INSERT INTO ${this.#table('run_ledger')} (run_id, entity) VALUES (${runId}, ${entity})
              ON CONFLICT (run_id, entity) DO NOTHING`.execute(db));
  }

  async finishEntity(runId: number, entity: string, status: 'succeeded' | 'failed'): Promise<void> {
    await this.#write((db) => sql`UPDATE ${this.#table('run_ledger')} SET status = ${status}, finished_at = now()
              WHERE run_id = ${runId} AND entity = ${entity}`.execute(db));
  }

  async getWatermark(entity: string): Promise<Watermark | null> {
    const { rows } = await sql<{ cursor: StoredWatermarkValue | null; key: StoredWatermarkValue | null }>`
      SELECT cursor, key FROM ${this.#table('watermarks')} WHERE entity = ${entity}`.execute(this.#db);
    const row = rows[0];
    return row ? { cursor: fromWatermarkJson(row.cursor), key: fromWatermarkJson(row.key) } : null;
  }

  async clearWatermark(entity: string): Promise<void> {
    await this.#write((db) => sql`DELETE FROM ${this.#table('watermarks')} WHERE entity = ${entity}`.execute(db));
  }

  async holdsEntity(entity: string): Promise<boolean> {
    const { rows } = await sql<{ held: boolean }>`
      SELECT EXISTS (SELECT 1 FROM ${this.#table('id_map')} WHERE entity = ${entity})
          OR EXISTS (SELECT 1 FROM ${this.#table('dedupe_records')} WHERE entity = ${entity})
          OR EXISTS (SELECT 1 FROM ${this.#table('match_keys')} WHERE entity = ${entity}) AS held`.execute(this.#db);
    return rows[0]!.held;
  }

  async lookupKeys(entity: string, requested: readonly string[], tx?: StateTransaction): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    const keys = storableKeys(requested);
    if (keys.length === 0) return found;
    const { rows } = await sql<{ legacy_key: string; status: KeyStatus; target_id: string | null; owns_row: boolean; row_hash: string | null; detail: string | null; pending_action: PendingAction | null; refs: Record<string, string> | null; run_id: string }>`
      SELECT legacy_key, status, target_id, owns_row, row_hash, detail, pending_action, refs, run_id::text FROM ${this.#table('id_map')}
       WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[])`.execute(tx?.db ?? this.#db);
    for (const row of rows) {
      found.set(row.legacy_key, {
        status: row.status,
        targetId: row.target_id,
        ownsRow: row.owns_row,
        rowHash: row.row_hash,
        detail: row.detail,
        pendingAction: row.pending_action,
        references: row.refs,
        lastRunId: Number(row.run_id),
      });
    }
    return found;
  }

  async resolveTargetIds(entity: string, requested: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const keys = storableKeys(requested);
    if (keys.length === 0) return found;
    const { rows } = await sql<{ legacy_key: string; target_id: string }>`
      SELECT legacy_key, target_id FROM ${this.#table('id_map')}
       WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[]) AND status IN ('loaded', 'merged') AND target_id IS NOT NULL`.execute(this.#db);
    for (const row of rows) found.set(row.legacy_key, row.target_id);
    return found;
  }

  async childKeysOf(childEntity: string, field: string, parentKey: string, tx?: StateTransaction): Promise<string[]> {
    const { rows } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${this.#table('id_map')}
      WHERE entity = ${childEntity} AND owns_row AND refs @> ${JSON.stringify({ [field]: parentKey })}::jsonb`.execute(tx?.db ?? this.#db);
    return rows.map((row) => row.legacy_key);
  }

  async loadedKeysPage(entity: string, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${this.#table('id_map')}
      WHERE entity = ${entity} AND status = 'loaded' AND owns_row AND (${after}::text IS NULL OR legacy_key > ${after})
      ORDER BY legacy_key LIMIT ${limit}`.execute(this.#db);
    return rows.map((row) => row.legacy_key);
  }

  async keysOwningRows(entity: string, requested: readonly string[]): Promise<Set<string>> {
    const keys = storableKeys(requested);
    if (keys.length === 0) return new Set();
    const { rows } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${this.#table('id_map')}
      WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[]) AND owns_row`.execute(this.#db);
    return new Set(rows.map((row) => row.legacy_key));
  }

  async claimBatch(tx: StateTransaction, runId: number, entity: string, committedBatches: number): Promise<boolean> {
    const { rows } = await sql<{ batches: number }>`SELECT batches FROM ${this.#table('run_ledger')}
      WHERE run_id = ${runId} AND entity = ${entity} FOR UPDATE`.execute(tx.db);
    return rows[0]?.batches === committedBatches;
  }

  async entityLedger(runId: number, entity: string): Promise<EntityLedger | undefined> {
    return (await this.ledger(runId)).find((ledger) => ledger.entity === entity);
  }

  async commitBatch(tx: StateTransaction, delta: BatchDelta): Promise<void> {
    const { runId, entity } = delta;
    await this.updateKeys(tx, runId, entity, delta.keys);
    if (delta.touchedKeys.length > 0) {
      await sql`UPDATE ${this.#table('id_map')} SET run_id = ${runId}
                 WHERE entity = ${entity} AND legacy_key = ANY(${[...delta.touchedKeys]}::text[])`.execute(tx.db);
    }
    await this.#commitRejectsWatermarkAndLedger(tx, delta);
  }

  async updateKeys(tx: StateTransaction, runId: number, entity: string, keys: readonly KeyUpdate[], options: { read?: boolean } = {}): Promise<void> {
    const delta = { keys };
    const keptRun = options.read === false ? sql`${this.#table('id_map')}.run_id` : sql`excluded.run_id`;
    if (delta.keys.length > 0) {
      const column = <T>(pick: (k: KeyUpdate) => T) => delta.keys.map(pick);
      await sql`INSERT INTO ${this.#table('id_map')} (entity, legacy_key, status, target_id, owns_row, row_hash, detail, pending_action, refs, run_id, updated_at)
        SELECT ${entity}, k, s, t, o, h, d, a, r::jsonb, ${runId}, now()
          FROM unnest(${column((k) => k.legacyKey)}::text[], ${column((k) => k.status)}::text[], ${column((k) => k.targetId)}::text[],
                      ${column((k) => k.ownsRow)}::boolean[], ${column((k) => k.rowHash)}::text[], ${column((k) => (k.detail === null ? null : storableText(k.detail)))}::text[],
                      ${column((k) => k.pendingAction)}::text[], ${column((k) => (k.references ? JSON.stringify(k.references) : null))}::text[]) AS u(k, s, t, o, h, d, a, r)
        ON CONFLICT (entity, legacy_key) DO UPDATE SET status = excluded.status, target_id = excluded.target_id, owns_row = excluded.owns_row,
          row_hash = excluded.row_hash, detail = excluded.detail, pending_action = excluded.pending_action, refs = excluded.refs,
          run_id = ${keptRun}, updated_at = excluded.updated_at`.execute(tx.db);
    }
  }

  async #commitRejectsWatermarkAndLedger(tx: StateTransaction, delta: BatchDelta): Promise<void> {
    const { runId, entity } = delta;
    if (delta.clearedRejects.length > 0) {
      await sql`DELETE FROM ${this.#table('rejects')} WHERE entity = ${entity} AND ref = ANY(${delta.clearedRejects.map(storableText)}::text[])`.execute(tx.db);
    }
    if (delta.rejects.length > 0) {
      // Whatever a rejected row holds, its reject must be storable: a NUL or a lone surrogate in
      // a reason, an origin or the payload would otherwise fail the whole batch, on every retry.
      const column = <T>(pick: (r: Rejection) => T) => delta.rejects.map(pick);
      const text = (value: string | null) => (value === null ? null : storableText(value));
      await sql`INSERT INTO ${this.#table('rejects')} (entity, ref, legacy_key, origin, stage, reason, payload, run_id, first_run_id, updated_at)
        SELECT ${entity}, r, k, o, s, m, p::jsonb, ${runId}, ${runId}, now()
          FROM unnest(${column((r) => text(r.ref))}::text[], ${column((r) => text(r.key))}::text[], ${column((r) => text(r.origin))}::text[],
                      ${column((r) => r.stage)}::text[], ${column((r) => text(redactUrl(r.reason)))}::text[], ${column((r) => storableJson(r.payload))}::text[]) AS u(r, k, o, s, m, p)
        ON CONFLICT (entity, ref) DO UPDATE SET legacy_key = excluded.legacy_key, origin = excluded.origin, stage = excluded.stage,
          reason = excluded.reason, payload = excluded.payload, run_id = excluded.run_id, updated_at = excluded.updated_at`.execute(tx.db);
    }
    if (delta.watermark) {
      await sql`INSERT INTO ${this.#table('watermarks')} (entity, cursor, key, run_id, updated_at)
        VALUES (${entity}, ${toWatermarkJson(delta.watermark.cursor)}::jsonb, ${toWatermarkJson(delta.watermark.key)}::jsonb, ${runId}, now())
        ON CONFLICT (entity) DO UPDATE SET cursor = excluded.cursor, key = excluded.key, run_id = excluded.run_id, updated_at = excluded.updated_at`.execute(tx.db);
    }
    await this.addToLedger(tx, runId, entity, delta.ledger, { batch: true });
  }

  async addToLedger(tx: StateTransaction, runId: number, entity: string, l: Readonly<LedgerCounts>, options: { batch: boolean }): Promise<void> {
    await sql`UPDATE ${this.#table('run_ledger')} SET read = read + ${l.read}, inserted = inserted + ${l.inserted},
        updated = updated + ${l.updated}, unchanged = unchanged + ${l.unchanged}, merged = merged + ${l.merged},
        rejected = rejected + ${l.rejected}, filtered = filtered + ${l.filtered}, deleted = deleted + ${l.deleted},
        source_deleted = source_deleted + ${l.sourceDeleted}, batches = batches + ${options.batch ? 1 : 0},
        last_commit_at = clock_timestamp()
      WHERE run_id = ${runId} AND entity = ${entity}`.execute(tx.db);
  }

  // Where autovacuum is off, as on many bulk-load servers, the statistics of empty tables stay for ever.
  async analyze(): Promise<void> {
    for (const table of ['id_map', 'rejects', 'dedupe_records', 'dedupe_values', 'match_keys']) {
      // VACUUM as well: it sets the visibility map of the pages written so far, so that the
      // lookups by key (match keys, cluster sizes, the id map) become index-only scans instead of
      // random reads of a heap larger than the server's cache. Insert-mostly tables vacuum fast.
      await sql`VACUUM (ANALYZE) ${this.#table(table)}`.execute(this.#db).catch(() => sql`ANALYZE ${this.#table(table)}`.execute(this.#db));
    }
  }

  async sourceColumns(entity: string): Promise<ColumnInfo[] | null> {
    const { rows } = await sql<{ columns: ColumnInfo[] }>`SELECT columns FROM ${this.#table('source_columns')} WHERE entity = ${entity}`.execute(this.#db);
    return rows[0]?.columns ?? null;
  }

  async saveSourceColumns(runId: number, entity: string, columns: readonly ColumnInfo[]): Promise<void> {
    await this.#write((db) => sql`INSERT INTO ${this.#table('source_columns')} (entity, columns, run_id) VALUES (${entity}, ${storableJson(columns)}::jsonb, ${runId})
      ON CONFLICT (entity) DO UPDATE SET columns = excluded.columns, run_id = excluded.run_id, updated_at = now()`.execute(db));
  }

  async clearPositionalRejects(tx: StateTransaction, entity: string): Promise<void> {
    await sql`DELETE FROM ${this.#table('rejects')} WHERE entity = ${entity} AND ref LIKE '@%'`.execute(tx.db);
  }

  async counts(entity: string): Promise<StateCounts> {
    const byStatus = Object.fromEntries(KEY_STATUSES.map((status) => [status, 0])) as Record<KeyStatus, number>;
    let ownedRows = 0;
    let pendingDeletions = 0;
    const { rows } = await sql<{ status: KeyStatus; n: string; owned: string; pending: string }>`
      SELECT status, count(*)::text AS n, count(*) FILTER (WHERE owns_row)::text AS owned,
             count(*) FILTER (WHERE pending_action IS NOT NULL)::text AS pending
        FROM ${this.#table('id_map')} WHERE entity = ${entity} GROUP BY status`.execute(this.#db);
    for (const row of rows) {
      byStatus[row.status] = Number(row.n);
      ownedRows += Number(row.owned);
      pendingDeletions += Number(row.pending);
    }
    return { byStatus, rejects: await this.countRejects(entity), ownedRows, pendingDeletions };
  }

  async runs(limit = 10): Promise<RunRecord[]> {
    const { rows } = await sql<{ run_id: string; mode: string; status: RunStatus; entities: string[]; started_at: string; finished_at: string | null; host: string; pid: number; error: string | null }>`
      SELECT run_id::text, mode, status, entities, started_at::text, finished_at::text, host, pid, error
        FROM ${this.#table('runs')} ORDER BY run_id DESC LIMIT ${limit}`.execute(this.#db);
    return rows.map((r) => ({ runId: Number(r.run_id), mode: r.mode, status: r.status, entities: r.entities, startedAt: isoTimestamp(r.started_at), finishedAt: isoTimestampOrNull(r.finished_at), host: r.host, pid: r.pid, error: r.error === null ? null : redactUrl(r.error) }));
  }

  async ledger(runId: number): Promise<EntityLedger[]> {
    const { rows } = await sql<Record<string, string>>`
      SELECT entity, status, batches::text, read::text, inserted::text, updated::text, unchanged::text, merged::text,
             rejected::text, filtered::text, deleted::text, source_deleted::text AS "sourceDeleted", last_commit_at::text AS "lastCommitAt"
        FROM ${this.#table('run_ledger')} WHERE run_id = ${runId} ORDER BY started_at, entity`.execute(this.#db);
    return rows.map((row) => {
      const counts = emptyLedger();
      for (const name of ['read', ...LEDGER_BUCKETS, 'deleted', 'sourceDeleted'] as const) counts[name] = Number(row[name]);
      return { ...counts, entity: row.entity!, status: row.status!, batches: Number(row.batches), lastCommitAt: isoTimestampOrNull(row.lastCommitAt) };
    });
  }

  async countRejects(entity: string | undefined): Promise<number> {
    const { rows } = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM ${this.#table('rejects')} WHERE (${entity ?? null}::text IS NULL OR entity = ${entity ?? null})`.execute(this.#db);
    return Number(rows[0]?.n ?? 0);
  }

  async rejects(options: { entity?: string | undefined; limit: number; offset?: number }): Promise<StoredRejection[]> {
    const { rows } = await sql<StoredRejectionRow>`
      SELECT entity, ref, legacy_key, origin, stage, reason, payload, run_id::text, first_run_id::text, updated_at::text
        FROM ${this.#table('rejects')}
       WHERE (${options.entity ?? null}::text IS NULL OR entity = ${options.entity ?? null})
       ORDER BY entity, ref LIMIT ${options.limit} OFFSET ${options.offset ?? 0}`.execute(this.#db);
    return rows.map((r) => ({
      entity: r.entity, ref: r.ref, key: r.legacy_key, origin: r.origin, stage: r.stage, reason: r.reason, payload: r.payload,
      runId: Number(r.run_id), firstRunId: Number(r.first_run_id), updatedAt: isoTimestamp(r.updated_at),
    }));
  }
}

interface StoredRejectionRow {
  entity: string;
  ref: string;
  legacy_key: string | null;
  origin: string;
  stage: string;
  reason: string;
  payload: unknown;
  run_id: string;
  first_run_id: string;
  updated_at: string;
}

/**
 * Keys the id map can hold: one PostgreSQL text cannot store is in no id map (its row was
 * rejected by position), and as a query parameter it would fail the whole statement.
 */
function storableKeys(keys: readonly string[]): readonly string[] {
  return keys.every(isStorableText) ? keys : keys.filter(isStorableText);
}

/** A watermark value as jsonb holds it: text jsonb cannot store (a NUL) goes as its UTF-16 code units. */
type StoredWatermarkValue = WatermarkValue | { readonly utf16: readonly number[] };

/**
 * Watermarks must come back exactly (the next page starts strictly after them), so text that
 * jsonb refuses (a legacy key holding a NUL, its row rejected) is not escaped but kept as code units.
 */
function toWatermarkJson(value: WatermarkValue | null): string {
  if (typeof value === 'string' && !isStorableText(value)) return JSON.stringify({ utf16: Array.from({ length: value.length }, (_unit, i) => value.charCodeAt(i)) });
  return JSON.stringify(value);
}

function fromWatermarkJson(value: StoredWatermarkValue | null): WatermarkValue | null {
  return value !== null && typeof value === 'object' ? String.fromCharCode(...value.utf16) : value;
}
