/**
 * The migration state in schema `cutover` of the target: runs and their ledgers, watermarks, the id
 * map (one row per legacy key with its bucket), rejects and the source's columns; deletions and
 * de-duplication have stores of their own beside it. Batch writes go through the caller's
 * transaction so that state commits with the rows it describes (STYLE 4).
 */
import { hostname } from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import { redactUrl } from '../../connectors/connection-url.js';
import type { ColumnInfo, Watermark, WatermarkValue } from '../../connectors/types.js';
import type { Rejection } from '../../transforms/rejection.js';
import { emptyLedger, LEDGER_BUCKETS, type LedgerCounts } from './ledger.js';
import { DedupeStore } from './dedupe-store.js';
import { DeletionStore, type PendingAction } from './deletion-store.js';
import { RunLockStore } from './run-lock-store.js';
import { migrateState } from './state-migrations.js';
import { isoTimestamp, isoTimestampOrNull } from './iso-timestamp.js';
import { isStorableText, storableJson, storableText } from './storable-text.js';

export type { PendingAction };

export const KEY_STATUSES = ['loaded', 'merged', 'filtered', 'rejected', 'deleted'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What the state knows of one legacy key. */
export interface KeyState {
  readonly status: KeyStatus;
  /** Target row this key maps to (its own, or its survivor's). */
  readonly targetId: string | null;
  /** A target row carrying this legacy key exists because of it. */
  readonly ownsRow: boolean;
  /** Hash of the row as last written; unchanged rows are skipped. */
  readonly rowHash: string | null;
  readonly detail: string | null;
  /** Set while the target row still has to be deleted or archived. */
  readonly pendingAction: PendingAction | null;
  /** Lookup field → parent legacy key, as last written: which rows follow a parent that is merged or split. */
  readonly references: Readonly<Record<string, string>> | null;
  /** The last run that read this key. */
  readonly lastRunId: number;
}

export interface KeyUpdate extends Omit<KeyState, 'lastRunId'> {
  readonly legacyKey: string;
}

/** Everything one batch changes in the state; applied inside the batch's transaction. */
export interface BatchDelta {
  readonly runId: number;
  readonly entity: string;
  readonly keys: readonly KeyUpdate[];
  readonly rejects: readonly Rejection[];
  /** Reject refs that no longer apply (the key went through this time). */
  readonly clearedRejects: readonly string[];
  /** Unchanged keys whose `run_id` must show that this run saw them (sources without unique keys). */
  readonly touchedKeys: readonly string[];
  readonly watermark: Watermark | null;
  readonly ledger: Readonly<LedgerCounts>;
}

export interface RunRecord {
  readonly runId: number;
  readonly mode: string;
  readonly status: RunStatus;
  readonly entities: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly host: string;
  readonly pid: number;
  readonly error: string | null;
}

export interface EntityLedger extends LedgerCounts {
  readonly entity: string;
  readonly status: string;
  readonly batches: number;
  /** When its last batch (or deletion page) committed; null before the first. */
  readonly lastCommitAt?: string | null;
}

/** State counts per entity, for reconciliation. */
export interface StateCounts {
  readonly byStatus: Readonly<Record<KeyStatus, number>>;
  /** Rows in the rejects table (keyed and keyless). */
  readonly rejects: number;
  /** Keys that own a target row: the target row count we expect. */
  readonly ownedRows: number;
  /** Target rows of legacy rows deleted since, still to delete or archive (refused so far). */
  readonly pendingDeletions: number;
}

type Executor = Kysely<any> | Transaction<any>;

/** Proves, in the caller's write transaction, that the run writing still holds the run lock; throws otherwise. */
export type WriteGuard = (tx: Executor) => Promise<void>;

export class StateStore {
  readonly #db: Kysely<any>;
  readonly #schema: string;
  /** Records, match keys, merges and reviews of entities with `dedupe`. */
  readonly dedupe: DedupeStore;
  /** Keys gone from the source and target rows waiting to be deleted or archived. */
  readonly deletions: DeletionStore;
  /** Which run may write. */
  readonly lock: RunLockStore;
  #guard: WriteGuard | null = null;

  constructor(db: Kysely<any>, schema: string) {
    this.#db = db;
    this.#schema = schema;
    this.dedupe = new DedupeStore(db, schema);
    this.deletions = new DeletionStore(db, schema);
    this.lock = new RunLockStore(db, schema);
  }

  /**
   * While a run holds the lock, the writes this store makes on its own (outside a batch's
   * transaction) each run in a transaction that `guard` checks first; null stops that.
   */
  guardWrites(guard: WriteGuard | null): void {
    this.#guard = guard;
  }

  /** A write of this store's own: guarded in a transaction of its own while a run holds the lock. */
  async #write(statement: (db: Executor) => Promise<unknown>): Promise<void> {
    const guard = this.#guard;
    if (!guard) {
      await statement(this.#db);
      return;
    }
    await this.#db.transaction().execute(async (trx) => {
      await guard(trx);
      await statement(trx);
    });
  }

  get schema(): string {
    return this.#schema;
  }

  /** True when the state schema has been created (by a run). */
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

  /**
   * Starts a run and makes it the holder of the run lock, in one transaction: it waits until the
   * write transactions of a previous holder have ended, so that none commits after this run
   * began. Runs still `running` then hold no lock (their process died, or lost the lock) and are
   * marked `interrupted`; a live one stops at its next write, which finds another holder.
   */
  async beginRun(mode: string, entities: readonly string[]): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ run_id: string }>`INSERT INTO ${this.#table('runs')} (mode, status, entities, host, pid)
        VALUES (${mode}, 'running', ${JSON.stringify(entities)}::jsonb, ${hostname()}, ${process.pid}) RETURNING run_id::text`.execute(trx);
      const runId = Number(rows[0]!.run_id);
      await this.lock.takeOver(trx, runId);
      await sql`UPDATE ${this.#table('runs')} SET status = 'interrupted', finished_at = now(),
                  error = COALESCE(error, ${`stopped before it finished (its process ended, or it lost the run lock); run ${runId} took over; committed batches are kept`})
                WHERE status = 'running' AND run_id <> ${runId}`.execute(trx);
      return runId;
    });
  }

  /**
   * Records how a run ended. Not guarded: it touches only this run's own records, and only while
   * they still say `running`, so a run that lost the lock (and was marked `interrupted` by the
   * one that took over) cannot overwrite what that one wrote.
   */
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

  /** True when the state holds anything of the entity: an id-map entry or a dedupe record. */
  async holdsEntity(entity: string): Promise<boolean> {
    const { rows } = await sql<{ held: boolean }>`
      SELECT EXISTS (SELECT 1 FROM ${this.#table('id_map')} WHERE entity = ${entity})
          OR EXISTS (SELECT 1 FROM ${this.#table('dedupe_records')} WHERE entity = ${entity})
          OR EXISTS (SELECT 1 FROM ${this.#table('match_keys')} WHERE entity = ${entity}) AS held`.execute(this.#db);
    return rows[0]!.held;
  }

  /**
   * The state of each key that has one; one query per batch. `db`: the caller's transaction, when it
   * reads inside one (on PGlite's one connection a read beside it would wait for it for ever).
   */
  async lookupKeys(entity: string, requested: readonly string[], db: Kysely<any> | Transaction<any> = this.#db): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    const keys = storableKeys(requested);
    if (keys.length === 0) return found;
    const { rows } = await sql<{ legacy_key: string; status: KeyStatus; target_id: string | null; owns_row: boolean; row_hash: string | null; detail: string | null; pending_action: PendingAction | null; refs: Record<string, string> | null; run_id: string }>`
      SELECT legacy_key, status, target_id, owns_row, row_hash, detail, pending_action, refs, run_id::text FROM ${this.#table('id_map')}
       WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[])`.execute(db);
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

  /** Target ids of loaded or merged legacy keys of `entity`: the lookups of child entities. */
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

  /**
   * Locks the entity's ledger row for this transaction and says whether `committedBatches` is still
   * the number of batches it holds. False means the batch already committed: a retry after the
   * server committed but the client lost the answer must not count it twice.
   */
  async claimBatch(tx: Executor, runId: number, entity: string, committedBatches: number): Promise<boolean> {
    const { rows } = await sql<{ batches: number }>`SELECT batches FROM ${this.#table('run_ledger')}
      WHERE run_id = ${runId} AND entity = ${entity} FOR UPDATE`.execute(tx);
    return rows[0]?.batches === committedBatches;
  }

  /** Batches of an entity committed in a run, and their ledger. */
  async entityLedger(runId: number, entity: string): Promise<EntityLedger | undefined> {
    return (await this.ledger(runId)).find((ledger) => ledger.entity === entity);
  }

  /** Applies a batch's state in the caller's transaction. */
  async commitBatch(tx: Executor, delta: BatchDelta): Promise<void> {
    const { runId, entity } = delta;
    await this.updateKeys(tx, runId, entity, delta.keys);
    if (delta.touchedKeys.length > 0) {
      await sql`UPDATE ${this.#table('id_map')} SET run_id = ${runId}
                 WHERE entity = ${entity} AND legacy_key = ANY(${[...delta.touchedKeys]}::text[])`.execute(tx);
    }
    await this.#commitRejectsWatermarkAndLedger(tx, delta);
  }

  /**
   * Writes keys' states to the id map in the caller's transaction. A key's run is the run that last
   * read it (a source without unique keys tells a repeated key by it); `read: false` (a review
   * decision, applied before the source is read) keeps that run for keys already in the map.
   */
  async updateKeys(tx: Executor, runId: number, entity: string, keys: readonly KeyUpdate[], options: { read?: boolean } = {}): Promise<void> {
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
          run_id = ${keptRun}, updated_at = excluded.updated_at`.execute(tx);
    }
  }

  async #commitRejectsWatermarkAndLedger(tx: Executor, delta: BatchDelta): Promise<void> {
    const { runId, entity } = delta;
    if (delta.clearedRejects.length > 0) {
      await sql`DELETE FROM ${this.#table('rejects')} WHERE entity = ${entity} AND ref = ANY(${delta.clearedRejects.map(storableText)}::text[])`.execute(tx);
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
          reason = excluded.reason, payload = excluded.payload, run_id = excluded.run_id, updated_at = excluded.updated_at`.execute(tx);
    }
    if (delta.watermark) {
      await sql`INSERT INTO ${this.#table('watermarks')} (entity, cursor, key, run_id, updated_at)
        VALUES (${entity}, ${toWatermarkJson(delta.watermark.cursor)}::jsonb, ${toWatermarkJson(delta.watermark.key)}::jsonb, ${runId}, now())
        ON CONFLICT (entity) DO UPDATE SET cursor = excluded.cursor, key = excluded.key, run_id = excluded.run_id, updated_at = excluded.updated_at`.execute(tx);
    }
    await this.addToLedger(tx, runId, entity, delta.ledger, { batch: true });
  }

  /** Adds counts to an entity's ledger in the caller's transaction; `batch` also counts a committed batch. */
  async addToLedger(tx: Executor, runId: number, entity: string, l: Readonly<LedgerCounts>, options: { batch: boolean }): Promise<void> {
    await sql`UPDATE ${this.#table('run_ledger')} SET read = read + ${l.read}, inserted = inserted + ${l.inserted},
        updated = updated + ${l.updated}, unchanged = unchanged + ${l.unchanged}, merged = merged + ${l.merged},
        rejected = rejected + ${l.rejected}, filtered = filtered + ${l.filtered}, deleted = deleted + ${l.deleted},
        source_deleted = source_deleted + ${l.sourceDeleted}, batches = batches + ${options.batch ? 1 : 0},
        last_commit_at = clock_timestamp()
      WHERE run_id = ${runId} AND entity = ${entity}`.execute(tx);
  }

  /**
   * Refreshes the planner's statistics (and, for the state tables, the visibility map) of the
   * state tables and `targetTable`. Tables that grow
   * from empty during a long run keep the plans chosen for empty tables otherwise (where
   * autovacuum is off, as on many bulk-load servers, forever).
   */
  async analyze(targetTable: string): Promise<void> {
    for (const table of ['id_map', 'rejects', 'dedupe_records', 'dedupe_values', 'match_keys']) {
      // VACUUM as well: it sets the visibility map of the pages written so far, so that the
      // lookups by key (match keys, cluster sizes, the id map) become index-only scans instead of
      // random reads of a heap larger than the server's cache. Insert-mostly tables vacuum fast.
      await sql`VACUUM (ANALYZE) ${this.#table(table)}`.execute(this.#db).catch(() => sql`ANALYZE ${this.#table(table)}`.execute(this.#db));
    }
    await sql`ANALYZE ${sql.table(targetTable)}`.execute(this.#db);
  }

  /** Source columns as the last run saw them; null before the first. */
  async sourceColumns(entity: string): Promise<ColumnInfo[] | null> {
    const { rows } = await sql<{ columns: ColumnInfo[] }>`SELECT columns FROM ${this.#table('source_columns')} WHERE entity = ${entity}`.execute(this.#db);
    return rows[0]?.columns ?? null;
  }

  async saveSourceColumns(runId: number, entity: string, columns: readonly ColumnInfo[]): Promise<void> {
    await this.#write((db) => sql`INSERT INTO ${this.#table('source_columns')} (entity, columns, run_id) VALUES (${entity}, ${storableJson(columns)}::jsonb, ${runId})
      ON CONFLICT (entity) DO UPDATE SET columns = excluded.columns, run_id = excluded.run_id, updated_at = now()`.execute(db));
  }

  /** Keyless rejects (by position) of an entity, dropped when a full re-read starts: positions move between exports. */
  async clearPositionalRejects(tx: Executor, entity: string): Promise<void> {
    await sql`DELETE FROM ${this.#table('rejects')} WHERE entity = ${entity} AND ref LIKE '@%'`.execute(tx);
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

  /** Rows in the rejects table, of one entity or of all. */
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

export interface StoredRejection {
  readonly entity: string;
  readonly ref: string;
  readonly key: string | null;
  readonly origin: string;
  readonly stage: string;
  readonly reason: string;
  readonly payload: unknown;
  readonly runId: number;
  readonly firstRunId: number;
  readonly updatedAt: string;
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
