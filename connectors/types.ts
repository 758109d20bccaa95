/**
 * The connector boundary. A connector turns a connection URL into a {@link Source}, a {@link Sink}
 * (connectors/sink.ts), or both, much as a kysely `Dialect` turns a pool into a driver. Nothing
 * outside `connectors/<name>/` imports a database driver or a file parser.
 */
import type { ConnectionUrl } from './connection-url.js';
import type { TableLoader } from './table-loader.js';
import type { Sink, StateDatabase } from './sink.js';

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
  /**
   * Where the state of a target of this kind lives, known before anything opens (config checks):
   * `'target'`: in the target itself; `'beside'`: in the database `target.state` names. Equals
   * `capabilities.state` of the sinks `createSink` opens. @default 'target'
   */
  readonly sinkState?: 'target' | 'beside';
  /** Opens the database for the state alone (`target.state` of a `'beside'` target): PostgreSQL and PGlite. */
  createStateDatabase?(config: Config): Promise<StateDatabase>;
  /**
   * The target is an HTTP API that `target.api` in cutover.yaml describes: mappings name its
   * modules (`target.module`), it has no tables to migrate, and deletes need its delete endpoint.
   * @default false
   */
  readonly apiTarget?: boolean;
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
