/**
 * Multi-row statements cut to the server's limits. Values are escaped into the statement text by
 * the driver (mysql2's `query` does the same with `?`): no prepared statement, so no 65,535
 * placeholder limit of the protocol, but a statement must fit in `max_allowed_packet`.
 */
import { FatalError } from '../errors.js';
import type { Row } from '../types.js';
import type { MysqlSession } from './mysql-session.js';
import { toMysqlValue, type MysqlColumn } from './mysql-values.js';

/** How big one multi-row statement may be. */
export interface StatementLimits {
  /** Rows per multi-row statement at most. */
  readonly maxRows: number;
  /** Bytes of one statement's text at most: under `max_allowed_packet`, with room for the statement around the rows. */
  readonly maxBytes: number;
}

/** Placeholders a prepared statement may bind (MySQL protocol); kept as a bound so that statements stay of a size the server plans well. */
export const MAX_PLACEHOLDERS = 65_535;

/** Room left in a packet for the statement's own text around its rows. */
const STATEMENT_OVERHEAD_BYTES = 64 * 1024;

/** Limits from the server's `max_allowed_packet` and the sink's own caps. */
export function statementLimits(maxAllowedPacket: number, maxStatementBytes: number, maxRows: number): StatementLimits {
  return { maxRows, maxBytes: Math.max(64 * 1024, Math.min(maxStatementBytes, maxAllowedPacket - STATEMENT_OVERHEAD_BYTES)) };
}

/** One input row, rendered: its position in the call, its key as text and as a literal, its values as `(…)`. */
export interface RenderedRow {
  readonly index: number;
  readonly key: string;
  readonly keyLiteral: string;
  /** Each value as an SQL literal, in column order. */
  readonly literals: readonly string[];
  readonly tuple: string;
  readonly bytes: number;
}

/** Renders each row's values, converted for their columns, as an SQL tuple; the key column must be among them. */
export function renderRows(session: MysqlSession, rows: readonly Row[], columns: readonly MysqlColumn[], key: string, where: string, offset = 0): RenderedRow[] {
  const keyAt = columns.findIndex((column) => column.name === key);
  if (keyAt < 0) throw new FatalError(`${where}: rows lack the key column \`${key}\``);
  return rows.map((row, at) => {
    const index = offset + at;
    const literals = columns.map((column) => session.escape(toMysqlValue(row[column.name], column)));
    const tuple = `(${literals.join(',')})`;
    const keyValue = row[key];
    if (keyValue === null || keyValue === undefined) throw new FatalError(`${where}: row ${index + 1} of the batch has no key (\`${key}\` is null)`);
    return { index, key: String(keyValue), keyLiteral: literals[keyAt]!, literals, tuple, bytes: Buffer.byteLength(tuple) };
  });
}

/** Consecutive runs of rows, each within `limits` (with `columns` values per row). */
export function* chunks<R extends { readonly bytes: number }>(rows: readonly R[], columns: number, limits: StatementLimits): Generator<R[]> {
  const perStatement = Math.max(1, Math.min(limits.maxRows, Math.floor(MAX_PLACEHOLDERS / Math.max(1, columns))));
  let chunk: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (chunk.length > 0 && (chunk.length >= perStatement || bytes + row.bytes + 1 > limits.maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += row.bytes + 1;
  }
  if (chunk.length > 0) yield chunk;
}

/** The key column equal to a literal exactly: byte for byte, not merely under its collation (case, trailing blanks). */
export function exactlyEqual(column: string, literal: string): string {
  return `(${column} = ${literal} AND CAST(${column} AS BINARY) = CAST(${literal} AS BINARY))`;
}

/** `column IN (…)`, exact as {@link exactlyEqual}: the plain IN uses the index, the binary one drops collation look-alikes. */
export function exactlyIn(column: string, literals: readonly string[]): string {
  const list = literals.join(',');
  return `(${column} IN (${list}) AND CAST(${column} AS BINARY) IN (${literals.map((literal) => `CAST(${literal} AS BINARY)`).join(',')}))`;
}
