/**
 * The target boundary, in the runner's own terms. A sink is where mapped rows go: a database
 * (PostgreSQL, PGlite, MySQL/MariaDB) or a new CRM's HTTP API. The runner plans from
 * {@link SinkCapabilities} and never asks which kind of sink it holds; every statement a target
 * runs is written in its connector's folder, as a kysely dialect holds every statement of its
 * database.
 *
 * The state (id map, ledger, watermarks, rejects, dedupe records) lives in a
 * {@link StateDatabase}: the target itself where it is PostgreSQL or PGlite (rows and state then
 * commit in one transaction), or a database beside it (`target.state`) for the others, committed
 * once every row of a batch has an outcome. Writes to a target are idempotent by legacy key, so a
 * crash between the two is repaired by the next run sending the batch again.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Row, TargetTable } from './types.js';

/** Declared abilities of a sink; the runner reads these instead of testing what the sink is. */
export interface SinkCapabilities {
  /** Everything one {@link Sink.write} does commits together or not at all (a database transaction). */
  readonly transactional: boolean;
  /**
   * Where the state lives: `'target'`: in the target database, in the same transaction as the rows
   * ({@link SinkWriter.state}, {@link Sink.stateDatabase}); `'beside'`: in the database of
   * `target.state`, committed after the rows.
   */
  readonly state: 'target' | 'beside';
  /** {@link SinkWriter.delete} removes rows: folded duplicates and `on_delete: delete` can be applied. */
  readonly deletes: boolean;
  /** {@link Sink.countRows} answers: reconcile compares the target's row count. */
  readonly counts: boolean;
  /** {@link Sink.contentProbe} exists: reconcile compares values, computed in the target. */
  readonly contentChecks: boolean;
  /** {@link Sink.applyMigrations} exists: the project's `migrations` folder is applied to the target. */
  readonly migrations: boolean;
  /**
   * Rows a batch may hold at most, whatever `batch_size` says: an embedded database shares the
   * process's memory, and the rows in flight (read ahead, planned, committing) are most of it.
   */
  readonly maxBatchRows?: number | undefined;
}

/** What happened to one row sent to a target: its target id (created or updated), or the target's refusal. */
export type RowOutcome =
  | { readonly ok: true; readonly id: string; readonly inserted: boolean }
  | {
      readonly ok: false;
      /** For people and the rejects: `the target refused the row: value too long for type character varying(20)`. */
      readonly reason: string;
      /** The database's error or the API's answer, for logs. */
      readonly detail?: unknown;
    };

/** What happened to one delete by target id; a row already gone counts as deleted. */
export interface DeleteOutcome {
  readonly id: string;
  readonly ok: boolean;
  /** Why the target refused (a parent still referenced); only when `ok` is false. */
  readonly reason?: string | undefined;
}

/** Rows of a child entity that hold a parent's target id in `field`. */
export interface ChildTarget extends TargetTable {
  /** The lookup column holding the parent's target id. */
  readonly field: string;
}

/** A row to archive: its legacy key (how an API finds it) and its target id (how a database does). */
export interface ArchiveRow {
  readonly legacyKey: string;
  readonly targetId: string;
}

/**
 * The writes of one {@link Sink.write}. Every operation is idempotent by legacy key or target id,
 * so that sending a batch again after a crash changes nothing more. A row the target refuses is an
 * outcome, not an error: only faults of the whole call throw (`TransientError` where retrying may
 * help, `FatalError` where it cannot).
 */
export interface SinkWriter {
  /**
   * Inserts or updates rows by `target.key`, one outcome per row, in input order. Rows all have the
   * same columns; the sink splits them into calls or statements as its limits require. A database
   * isolates the rows it refuses (under savepoints) and writes the rest.
   */
  upsert(target: TargetTable, rows: readonly Row[]): Promise<RowOutcome[]>;
  /**
   * Updates some fields of rows that exist, by `target.key`: each record holds `target.key` and the
   * fields to set. A record whose row does not exist is refused.
   */
  patch(target: TargetTable, records: readonly Row[]): Promise<RowOutcome[]>;
  /** Deletes rows by `target.id`, one outcome per id, in input order. Only with `capabilities.deletes`. */
  delete(target: TargetTable, ids: readonly string[]): Promise<DeleteOutcome[]>;
  /**
   * Sets `column` to `at` on the rows that are not archived yet (`column` is NULL); returns how
   * many changed. A row archived earlier keeps its first time.
   */
  archive(target: TargetTable, column: string, rows: readonly ArchiveRow[], at: Date): Promise<number>;
  /** Child rows with legacy keys `childKeys` now hold `parentId` in `child.field`; returns how many changed. */
  repoint(child: ChildTarget, childKeys: readonly string[], parentId: string): Promise<number>;
  /**
   * The state database inside this same transaction, for the state store: present exactly when
   * `capabilities.state` is `'target'`. The runner hands it on and never looks inside.
   */
  readonly state?: StateTransaction | undefined;
}

/**
 * Where the state store keeps its tables: a PostgreSQL or PGlite database. Only
 * `pipelines/state/` looks inside (`db`, `append`); everyone else passes it on.
 */
export interface StateDatabase {
  readonly capabilities: StateDatabaseCapabilities;
  /** For messages: `PostgreSQL 127.0.0.1:5432/crm`, never a password. */
  readonly endpoint: string;
  /** Kysely on the database, outside any transaction: reads, migrations, lock sessions. */
  readonly db: Kysely<any>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: StateTransaction) => Promise<T>): Promise<T>;
  /** Idempotent; a state database that is its target's is closed with the sink. */
  close(): Promise<void>;
}

export interface StateDatabaseCapabilities {
  /** Session-level advisory locks exist, so that one run at a time is enforced across hosts. */
  readonly sessionLocks: boolean;
  /** Rows a batch may hold at most (see {@link SinkCapabilities.maxBatchRows}). */
  readonly maxBatchRows?: number | undefined;
}

/** One open transaction of a {@link StateDatabase}. */
export interface StateTransaction {
  /** Kysely bound to the transaction. */
  readonly db: Transaction<any> | Kysely<any>;
  /**
   * Adds rows that cannot be there yet to `schema.table` (all with the same columns), with COPY
   * where the database has it. No conflict handling: a duplicate key fails the transaction.
   * Absent where plain INSERTs are as fast (PGlite).
   */
  append?(schema: string, table: string, rows: readonly Row[]): Promise<void>;
}

/** How a target column's values compare, from its database type (see pipelines/reconcile/canonical-value.ts). */
export const COLUMN_KINDS = ['text', 'padded', 'number', 'instant', 'date', 'boolean', 'json', 'uuid'] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];

export interface TargetColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** The aggregate of the target rows of a set of keys. */
export interface RangeChecksum {
  readonly count: number;
  readonly sum: bigint;
}

/** A target row as reconcile shows a difference: canonical forms to compare, the database's own text for people. */
export interface ProbedRow {
  readonly canonical: Readonly<Record<string, string | null>>;
  readonly text: Readonly<Record<string, string | null>>;
}

/**
 * The target side of a value-by-value reconciliation of one table: canonical forms and 60-bit row
 * digests computed by the target database, exactly as `canonicalValue`, `rowText` and `rowDigest`
 * compute them in JavaScript, so that key ranges are compared without moving their rows.
 */
export interface ContentProbe {
  /** The mapped columns, in the order asked, with their kinds. */
  readonly columns: readonly TargetColumn[];
  /** Count and digest sum of the target rows whose key is one of `keys`. */
  checksum(keys: readonly string[]): Promise<RangeChecksum>;
  /** Each target row's digest, by key. */
  digests(keys: readonly string[]): Promise<Map<string, bigint>>;
  /** The rows themselves, by key. */
  rows(keys: readonly string[]): Promise<Map<string, ProbedRow>>;
  /** Legacy keys of the table's rows (not NULL) after `after`, in ascending text order, at most `limit`. */
  keysPage(after: string | null, limit: number): Promise<string[]>;
}

/** Arguments of one {@link Sink.write}. */
export interface WriteOptions {
  /** Aborts requests in flight at once (a second Ctrl-C); a database rolls back. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Mixed into every idempotency key an API sink sends, with the records' external ids and content:
   * the same request retried within a scope (a run) carries the same key; a later run sending the
   * same content again is not answered from the API's idempotency cache. @default ''
   */
  readonly idempotencyScope?: string | undefined;
}

export interface Sink {
  readonly capabilities: SinkCapabilities;
  /** For messages: `PostgreSQL 127.0.0.1:5432/crm`, `https://api.example.com`; never a password. */
  readonly endpoint: string;
  /**
   * Runs `fn` as one unit of writing: one transaction where `capabilities.transactional`, and the
   * state with it where `capabilities.state` is `'target'`; commits when `fn` resolves, rolls back
   * when it throws. Elsewhere each write takes effect when it returns.
   */
  write<T>(fn: (writer: SinkWriter) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** The target's own state database: present exactly when `capabilities.state` is `'target'`. */
  readonly stateDatabase?: StateDatabase | undefined;
  /** Rows of the table that carry a legacy key. Only with `capabilities.counts`. */
  countRows?(target: TargetTable): Promise<number>;
  /**
   * A probe for value checks of `target`'s `columns`. Throws a `FatalError` naming the missing
   * columns when the table lacks one. Only with `capabilities.contentChecks`.
   */
  contentProbe?(target: TargetTable, columns: readonly string[]): Promise<ContentProbe>;
  /**
   * Applies the numbered `.sql` files of `dir` not applied yet, in name order, recording them in
   * the target (in `ledgerSchema` where the database has schemas); returns the names applied now.
   * Only with `capabilities.migrations`.
   */
  applyMigrations?(dir: string, ledgerSchema: string): Promise<string[]>;
  /** Refreshes the planner's statistics of a table after a large load; a no-op where there are none. */
  analyze?(target: TargetTable): Promise<void>;
  /** Requests sent, retried and throttled so far, where the sink keeps such figures (an API). */
  stats?(): { readonly requests: number; readonly retries: number; readonly throttled: number };
  /** Idempotent; waits for calls in flight. */
  close(): Promise<void>;
}
