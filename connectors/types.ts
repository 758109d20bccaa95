/**
 * The connector boundary. A connector turns a connection URL into a {@link Source}, a {@link Sink},
 * or both, much as a kysely `Dialect` turns a pool into a driver. Nothing outside
 * `connectors/<name>/` imports a database driver or a file parser.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ConnectionUrl } from './connection-url.js';
import type { TableLoader } from './table-loader.js';

/** A row as a connector reads or writes it: column name to value. */
export type Row = Readonly<Record<string, unknown>>;

/** A key or cursor value as it is kept in a watermark: JSON-safe and comparable by the database. */
export type WatermarkValue = string | number;

/**
 * The position after the last row of a committed batch, in the source's keyset order
 * `(cursor, key)`. Sources order rows with NULL cursors first, as MySQL does for `ASC`.
 */
export interface Watermark {
  /** Cursor value of the last row; `null` when its cursor was NULL or the entity has no cursor. */
  readonly cursor: WatermarkValue | null;
  /**
   * Key of the last row: the tie-breaker between rows with equal cursors. Null means "before every
   * key at this cursor" (a rewound watermark), so rows with a cursor equal to `cursor` are included.
   */
  readonly key: WatermarkValue | null;
}

/** One record read from a source, with its legacy key as text. */
export interface SourceRow {
  readonly key: string;
  readonly data: Row;
  /** Where a person finds the record: `customers.csv:57`, `legacy_crm.customers id=42`. */
  readonly origin: string;
}

/** A record the reader could not turn into a row (bad quoting, bad JSON, missing key). */
export interface SourceRejection {
  /** The legacy key when it could be read, else null. */
  readonly key: string | null;
  readonly origin: string;
  readonly reason: string;
  /** The raw record (text or partial row), kept so that the reject can be inspected and fixed. */
  readonly payload: unknown;
}

/** A bounded batch of rows in keyset order, with the watermark to store once it is committed. */
export interface SourceBatch {
  readonly rows: readonly SourceRow[];
  readonly rejects: readonly SourceRejection[];
  /** Position after this batch; becomes the entity's watermark only when the batch commits. */
  readonly last: Watermark;
  /** How far through its file the read is once this batch is cut (file sources), for progress; absent where unknown. */
  readonly position?: ReadPosition | undefined;
}

/**
 * How far a read has come through what it reads, in the source's own unit: the bytes of a file
 * taken in against its size. Ahead of the batch by at most one chunk of the file, so approximate.
 */
export interface ReadPosition {
  readonly done: number;
  /** Greater than 0. */
  readonly total: number;
}

/** Arguments of {@link Source.countBounded}. */
export interface BoundedCountRequest {
  readonly entity: SourceEntity;
  /** Count only the rows a read from here yields (the read's own keyset predicate); null counts every row in scope. */
  readonly after: Watermark | null;
  /** The database gives the count up after this long (server-side), and the answer is null. */
  readonly timeoutMs: number;
  /** Aborting gives the count up at once (its connection is dropped), and the answer is null. */
  readonly signal?: AbortSignal | undefined;
}

/** What to read: one table of a database, or one file of an export. */
export interface SourceEntity {
  /** Table name, or file name (with or without extension) inside a folder connection. */
  readonly table: string;
  /** Column holding the legacy primary key. */
  readonly key: string;
  /** Column that grows when a row changes (e.g. `updated_at`); enables incremental reads. */
  readonly cursor?: string | undefined;
  /** SQL condition that defines the rows in scope; only for sources with `pushdownWhere`. */
  readonly where?: string | undefined;
}

/** Arguments of {@link Source.read}. */
export interface ReadRequest {
  readonly entity: SourceEntity;
  /** Read rows strictly after this position; null or absent reads from the start. */
  readonly after?: Watermark | null | undefined;
  /** Rows per batch; an integer ≥ 1. */
  readonly batchSize: number;
  readonly signal?: AbortSignal | undefined;
}

/** A column as the source describes it, for schema-drift checks and backups. */
export interface ColumnInfo {
  readonly name: string;
  /** Database type as the source names it (`varchar(150)`, `datetime`), or `text` for files. */
  readonly type: string;
  readonly nullable: boolean;
  /** A file's header cell, when it is not the name: spaces around it, trimmed (` given_name`). */
  readonly header?: string;
}

/** A table (or file) a source holds, for backups of the whole source. */
export interface TableInfo {
  /** Name as {@link SourceEntity.table} takes it. */
  readonly name: string;
  /** Primary-key columns in key order; empty when the table has none (files). Keyset paging needs exactly one. */
  readonly primaryKey: readonly string[];
}

/** A foreign key of a table: `columns` hold values of `referencedColumns` in `referencedTable` (same database or schema). */
export interface ForeignKeyInfo {
  readonly columns: readonly string[];
  readonly referencedTable: string;
  readonly referencedColumns: readonly string[];
}

/**
 * What `cutover init` reads of a table to suggest its mapping: columns with their full database
 * types (`decimal(18,2)`, `tinyint(1)`, `enum('A','I')`, `numeric(18,2)`, `timestamp with time zone`),
 * primary key, foreign keys and the columns of every index.
 */
export interface TableSchema extends TableInfo {
  readonly columns: readonly ColumnInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  /** Columns of each index (the primary key's and unique ones included), in index order. */
  readonly indexes: readonly (readonly string[])[];
}

/** Declared abilities of a source; the runner plans from these instead of probing. */
export interface SourceCapabilities {
  /** `after` watermarks are honoured, so a run can start where the last one stopped. */
  readonly resumable: boolean;
  /** `SourceEntity.where` is evaluated by the source. */
  readonly pushdownWhere: boolean;
  /**
   * The key is unique within one read (a primary key). File exports may repeat a key; the runner
   * then checks every key against those already seen in the run.
   */
  readonly uniqueKeys: boolean;
  /** {@link Source.existingKeys} answers from an index, so hard deletes are found page by page. */
  readonly keyLookup: boolean;
}

export interface Source {
  readonly capabilities: SourceCapabilities;
  /** Streams the entity in keyset order as bounded batches. Breaking out of the loop releases every resource. */
  read(request: ReadRequest): AsyncIterable<SourceBatch>;
  /** Rows in scope (after `where`), for reconciliation. */
  count(entity: SourceEntity, signal?: AbortSignal): Promise<number>;
  /**
   * The table's row count by the database's statistics (MariaDB/MySQL `TABLE_ROWS`, PostgreSQL
   * `reltuples`): one catalog read, approximate. Null when the database keeps none for the table
   * (never analysed) or a `where` narrows the scope (the statistics are of the whole table).
   */
  estimateRows?(entity: SourceEntity, signal?: AbortSignal): Promise<number | null>;
  /**
   * The rows a read from `after` would yield, counted exactly under a time limit the database
   * enforces; null when the limit or the signal came first, or when the source cannot spare a
   * connection for it beside a read (other failures throw). For progress.
   */
  countBounded?(request: BoundedCountRequest): Promise<number | null>;
  /**
   * Which of `keys` (legacy keys as text) are rows in scope now, after `where`. Only for sources
   * with `keyLookup`; the others are compared by reading all their keys.
   */
  existingKeys?(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<Set<string>>;
  /** The rows in scope with these keys (any order), for sources with `keyLookup`: content checks fetch what they compare. */
  readKeys?(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<SourceRow[]>;
  /** Columns of the entity, in source order. */
  describe(entity: SourceEntity): Promise<readonly ColumnInfo[]>;
  /**
   * Every table the source holds (all base tables of a database, the files of a folder), by name,
   * with its primary key. Present on sources that can enumerate themselves; `cutover backup` needs it
   * to back up a source whole.
   */
  listTables?(signal?: AbortSignal): Promise<readonly TableInfo[]>;
  /**
   * Every base table with its columns, keys, foreign keys and indexes, read from the catalog in a
   * few queries. Present on database sources; `cutover init` falls back to `listTables` and
   * `describe` elsewhere.
   */
  introspect?(signal?: AbortSignal): Promise<readonly TableSchema[]>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Where mapped rows go in a target database. */
export interface TargetTable {
  /** Table name, optionally schema-qualified: `crm.customers`. */
  readonly table: string;
  /** Column that holds the legacy key; the upsert's conflict target. Must be unique. */
  readonly key: string;
  /** Column with the target's own id, returned for the id map (may equal `key`). */
  readonly id: string;
}

/** What happened to one row of an upsert. */
export interface UpsertOutcome {
  /** The target id of the row, as text. */
  readonly id: string;
  readonly inserted: boolean;
}

/** The operations available inside one target transaction. */
export interface SqlSinkTransaction {
  /** Kysely bound to the transaction, so that state can commit with the rows. */
  readonly db: Transaction<any> | Kysely<any>;
  /**
   * Inserts or updates rows by `target.key`, returning one outcome per input row, in input order.
   * Rows must all have the same columns. Throws only for faults of the whole batch.
   */
  upsert(target: TargetTable, rows: readonly Row[]): Promise<UpsertOutcome[]>;
  /**
   * Runs `fn` under a savepoint: when it throws, its statements are rolled back and the rest of the
   * transaction stays usable. Used to isolate the one row of a batch that the target refuses.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Adds rows that cannot be there yet to `schema.table` (all with the same columns), with COPY
   * where the database has it. No conflict handling: a duplicate key fails the transaction.
   * Absent where plain INSERTs are as fast (PGlite).
   */
  append?(schema: string, table: string, rows: readonly Row[]): Promise<void>;
}

/** Declared abilities of a sink. */
export interface SinkCapabilities {
  /** Rows and state can commit in one transaction. */
  readonly transactional: boolean;
  /** Bind parameters per statement, which bounds rows per multi-row statement. */
  readonly maxParams: number;
  /** Session-level advisory locks exist, so that one run at a time can be enforced across hosts. */
  readonly sessionLocks: boolean;
  /**
   * Rows a batch may hold at most, whatever `batch_size` says: an embedded database shares the
   * process's memory, and the rows in flight (read ahead, planned, committing) are most of it.
   */
  readonly maxBatchRows?: number;
}

/** A SQL target (PostgreSQL, PGlite): rows and the `cutover` state schema live in one database. */
export interface SqlSink {
  readonly kind: 'sql';
  readonly capabilities: SinkCapabilities;
  /** Kysely on the target, outside any transaction: migrations, lookups, counts. */
  readonly db: Kysely<any>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlSinkTransaction) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Declared abilities of an HTTP API target; the runner plans from these (STYLE 3). */
export interface ApiSinkCapabilities {
  /** Records and state cannot commit together: state is written after every record has an outcome. */
  readonly transactional: false;
  /** The state (id map, watermarks, ledger) lives in a database of its own (PGlite or PostgreSQL). */
  readonly needsExternalState: true;
  /** Records per upsert call (the API's batch endpoint limit; 1 where it has none). */
  readonly maxRecordsPerCall: number;
  /** {@link ApiSink.delete} exists: folded duplicates and `on_delete: delete` can remove records. */
  readonly deletes: boolean;
  /** {@link ApiSink.countRows} exists: reconcile can compare the target's record count. */
  readonly counts: boolean;
}

/** What happened to one record sent to an API: an id (created or updated), or the API's refusal. */
export type ApiRecordOutcome =
  | { readonly ok: true; readonly id: string; readonly inserted: boolean }
  | { readonly ok: false; readonly reason: string; readonly detail: unknown };

/** Arguments common to the calls of an {@link ApiSink}. */
export interface ApiCallOptions {
  readonly signal?: AbortSignal | undefined;
  /**
   * Mixed into every idempotency key with the records' external ids and content: the same request
   * retried within a scope (a run) carries the same key; a later run sending the same content again
   * is not answered from the API's idempotency cache. @default ''
   */
  readonly idempotencyScope?: string | undefined;
}

/**
 * A new CRM reached through its HTTP API: upserts by external id, in calls of up to
 * `maxRecordsPerCall` records, rate-limited and retried by the connector. Not transactional: the
 * runner keeps the state elsewhere and commits it only after every record of a batch has an outcome.
 */
export interface ApiSink {
  readonly kind: 'api';
  readonly capabilities: ApiSinkCapabilities;
  /** `https://api.example.com` for messages; never the credentials. */
  readonly endpoint: string;
  /**
   * Upserts records by `target.key` (the external id) into module `target.table`, returning one
   * outcome per record, in input order. Records the API refuses are outcomes, not errors; throws
   * `TransientError` once retries are exhausted, `FatalError` when retrying cannot help (401, 404).
   */
  upsert(target: TargetTable, records: readonly Row[], options?: ApiCallOptions): Promise<ApiRecordOutcome[]>;
  /**
   * Updates fields of records that exist, by external id: `records` hold `target.key` and the fields
   * to change. Used to archive records and re-point children; one outcome per record.
   */
  patch(target: TargetTable, records: readonly Row[], options?: ApiCallOptions): Promise<ApiRecordOutcome[]>;
  /** Deletes records by the API's id; a record already gone counts as deleted. Only with `capabilities.deletes`. */
  delete?(target: TargetTable, ids: readonly string[], options?: ApiCallOptions): Promise<{ readonly id: string; readonly ok: boolean; readonly reason?: string }[]>;
  /** Records the module holds that carry an external id. Only with `capabilities.counts`. */
  countRows?(target: TargetTable, options?: ApiCallOptions): Promise<number>;
  /** Requests sent, retried and throttled so far, for logs and benchmarks. */
  stats(): ApiSinkStats;
  /** Cancels queued requests and waits for those in flight; idempotent. */
  close(): Promise<void>;
}

export interface ApiSinkStats {
  readonly requests: number;
  readonly retries: number;
  readonly throttled: number;
}

/** A target: a SQL database (rows and state in one transaction) or an HTTP API (state kept apart). */
export type Sink = SqlSink | ApiSink;

/** Context a connector gets from the caller. */
export interface ConnectorContext {
  /** Folder that relative paths in URLs are resolved against (the project folder). */
  readonly baseDir: string;
  /**
   * Connector settings written in the project beside the URL (an API target's `target.api`),
   * validated by the project schema; secrets they name are already read from the environment.
   */
  readonly settings?: unknown;
}

/**
 * A plug-in for one family of URL schemes.
 * @example
 * registry.register(mysqlConnector) // mysql://user:${LEGACY_PASSWORD}@db:3306/legacy_crm
 */
export interface Connector<Config = unknown, S extends Sink = Sink> {
  /** URL schemes this connector answers, without the colon: `['mysql', 'mariadb']`. */
  readonly schemes: readonly string[];
  /** Human name used in messages: `MySQL`, `CSV file`. */
  readonly displayName: string;
  /** Validates the URL and its query options; throws a `ConnectionConfigError` naming the problem. */
  parseConfig(url: ConnectionUrl, context: ConnectorContext): Config;
  createSource?(config: Config): Source;
  createSink?(config: Config): Promise<S>;
  /** For `cutover backup restore`: creates tables from a backup's column kinds and loads them. */
  createTableLoader?(config: Config): Promise<TableLoader>;
  /** What `createSink` returns: a SQL database (rows and state together) or an API (state kept apart). @default 'sql' */
  readonly sinkKind?: S['kind'];
  /**
   * Where the state of a sink of the new interface (connectors/sink.ts) lives: `'target'` in the
   * target database, `'beside'` in the database of `target.state`; equals its sink's
   * `capabilities.state`, known before the sink is opened.
   */
  readonly sinkState?: 'target' | 'beside';
  /** False when opening the sink would create it (an embedded database folder not made yet). @default true */
  sinkExists?(config: Config): Promise<boolean>;
  /**
   * True when the source reads `''` only where the data holds an empty string and NULL elsewhere
   * at the user's request (a CSV connection with `empty=empty_string`), so that the mappings on
   * it keep `''`: their `empty_as_null` defaults to false and may not be set to true.
   * @default false
   */
  keepsEmptyStrings?(config: Config): boolean;
}
