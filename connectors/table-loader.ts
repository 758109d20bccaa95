/**
 * Loading whole tables into a database, for `cutover backup restore`: a table is created from the
 * column kinds a backup's manifest records (each connector decides the SQL type of each kind), then
 * filled batch by batch. Unlike a sink (sink.ts) there is no key mapping, no upsert and no state:
 * the rows go in as they are, and a table that already holds rows is the caller's to refuse.
 */
import type { ValueKind } from './file/backup-values.js';
import type { Row } from './types.js';

/** A column to create, as the backup's manifest records it. */
export interface LoadColumn {
  readonly name: string;
  /** How the values are held (backup-values.ts): decides the SQL type. */
  readonly kind: ValueKind;
  /**
   * The type the source database named (`int(11)`, `varchar(40)`, `text` for files). Only refines
   * the kind where that loses nothing: a `number` column of a 32-bit integer type stays an integer,
   * a `text` key keeps its length where the index needs one.
   */
  readonly sourceType: string;
  readonly nullable: boolean;
}

/** A table to load. */
export interface LoadTable {
  /** One identifier (the backup's table name), created in the URL's database or schema. */
  readonly name: string;
  readonly columns: readonly LoadColumn[];
  /** The single-column primary key, or null when the source had none (file sources). */
  readonly key: string | null;
}

/** What a table holds before a restore. */
export const TABLE_STATES = ['missing', 'empty', 'filled'] as const;
export type TableState = (typeof TABLE_STATES)[number];

/** How {@link TableLoader.load} treats the table first. */
export interface LoadOptions {
  /**
   * `create`: the table does not exist, create it; `replace`: drop it if it exists and create it;
   * `append`: it exists (empty), load into it with its own column types.
   */
  readonly mode: 'create' | 'replace' | 'append';
  readonly signal?: AbortSignal | undefined;
}

/** Declared abilities of a loader (STYLE 3): the caller checks values before they are sent. */
export interface TableLoaderCapabilities {
  /** Text columns can hold U+0000 (MySQL/MariaDB yes, PostgreSQL no). */
  readonly nulInText: boolean;
  /** Rows per batch the loader takes at most. */
  readonly maxBatchRows: number;
}

export interface TableLoader {
  readonly capabilities: TableLoaderCapabilities;
  /** `PostgreSQL 127.0.0.1:5432/restored`, for messages (never the password). */
  readonly where: string;
  /** Whether the table exists, and if so whether it holds a row. */
  tableState(table: string): Promise<TableState>;
  /**
   * Creates (or replaces) the table, then inserts every batch of `rows`, whose values are as the
   * backup reader decodes them (see backup-values.ts). One transaction where the database allows
   * it: PostgreSQL creates and fills the table in one, so a failure leaves no table; MySQL commits
   * a CREATE at once, so a failure leaves the table, empty. Returns the rows inserted.
   * @throws ConnectorError naming the endpoint and table; rolls back whatever it had inserted.
   */
  load(table: LoadTable, rows: AsyncIterable<readonly Row[]>, options: LoadOptions): Promise<number>;
  /** `COUNT(*)` of the table. */
  count(table: string): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** The length of a `char(n)`, `varchar(n)`, `binary(n)` or `varbinary(n)` source type, or null. */
export function textLength(sourceType: string): number | null {
  const match = /^(?:national\s+)?(?:var)?(?:char(?:acter)?|binary)(?:\s+varying)?\s*\((\d+)\)/i.exec(sourceType.trim());
  return match ? Number(match[1]) : null;
}

/**
 * The range of an integer source type that the drivers give as a JavaScript number: `int32` when
 * every value fits 32 signed bits (TINYINT … INT, `integer`), `uint32` for INT UNSIGNED, null for
 * anything else (BIGINT, which the drivers give as text, floats, file columns).
 */
export function integerRange(sourceType: string): 'int32' | 'uint32' | null {
  const type = sourceType.trim().toLowerCase();
  if (/^(?:tinyint|smallint|mediumint)\b/.test(type)) return 'int32';
  if (/^(?:int|integer)\b/.test(type)) return /\bunsigned\b/.test(type) ? 'uint32' : 'int32';
  return /^(?:int2|int4|serial|smallserial|serial4|serial2)$/.test(type) ? 'int32' : null;
}
