/**
 * Reconcile's value checks on a MySQL/MariaDB target: the canonical form of each column, the row
 * text and its 60-bit digest computed by the server, equal to what `canonicalValue`, `rowText` and
 * `rowDigest` (pipelines/reconcile/canonical-value.ts) compute in JavaScript from the mapped row.
 *
 * | kind    | MariaDB expression                                                        |
 * |---------|---------------------------------------------------------------------------|
 * | number  | the decimal text without trailing zeros; DOUBLE rounded to the places JS `toFixed` prints, FLOAT to 6 significant digits (see below) |
 * | instant | milliseconds since 1970 (`TIMESTAMPDIFF`, any year, no 2038 limit); the session is UTC |
 * | date    | `yyyy-MM-dd`                                                              |
 * | boolean | `T` / `F` (any non-zero is true)                                          |
 * | json    | the stored text: the sink writes jsonb's form (mysql-values.ts), as MariaDB has no function that orders keys that way |
 * | uuid    | lower-case text                                                           |
 * | padded  | the text without trailing blanks; empty → NULL                            |
 * | text    | the text; empty → NULL                                                    |
 * Where MariaDB cannot reproduce JavaScript's form:
 * - DOUBLE: MariaDB turns a double into a decimal through its shortest text (`98765.4321`), JS
 *   `toFixed` through its exact binary value, with a 16th digit that is noise (`98765.43210000001`).
 *   They agree wherever that digit is a 0 after rounding; where not, the row shows as differing.
 *   (PostgreSQL's `float8::numeric` keeps 15 digits and disagrees with JS for `1/3` too.)
 * - FLOAT: the mapped value had as many digits as it liked, the column keeps about 7; compared at
 *   6 significant digits, a mapped `0.1` and the stored `0.100000001490116` agree.
 * - DECIMAL(65,20) bounds the doubles compared: beyond 10^45 the forms differ.
 * Every form is utf8mb4 text (so MD5 and the lengths see UTF-8 bytes) with one explicit collation,
 * so that columns of different collations concatenate.
 */
import type { ContentProbe, ProbedRow, RangeChecksum, TargetColumn } from '../sink.js';
import type { TargetTable } from '../types.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import { MysqlSession } from './mysql-session.js';
import { exactlyIn } from './mysql-statements.js';
import { keyColumns, type MysqlTargetTable, type TargetTables } from './mysql-target-table.js';
import { toMysqlValue, type MysqlColumn } from './mysql-values.js';

/** Stands for NULL in the row text (reconcile's `NULL_MARK`). */
const NULL_MARK = '-';

/** The canonical form of `column` (an SQL reference) in MariaDB, as utf8mb4 text or NULL. */
export function canonicalMysqlSql(column: MysqlColumn, ref: string): string {
  return `CONVERT(${canonicalExpression(column, ref)} USING utf8mb4) COLLATE utf8mb4_bin`;
}

function canonicalExpression(column: MysqlColumn, c: string): string {
  switch (column.kind) {
    case 'number':
      if (/^(float|double|real)$/.test(column.dataType)) {
        // JS writes a number with 16 significant digits (toFixed(15 - floor(log10 |v|)), at most 20
        // places); a FLOAT holds 6 (FLT_DIG, as PostgreSQL's real::numeric), more would print its noise.
        const digits = column.dataType === 'float' ? 5 : 15;
        const places = `LEAST(20, GREATEST(0, ${digits} - FLOOR(LOG10(ABS(${c})))))`;
        return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = 0 THEN '0' ELSE ${withoutTrailingZeros(`CAST(ROUND(CAST(${c} AS DECIMAL(65,20)), ${places}) AS CHAR)`)} END`;
      }
      return withoutTrailingZeros(`CAST(${c} AS CHAR)`);
    case 'instant':
      return `CAST(FLOOR(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${c}) / 1000) AS CHAR)`;
    case 'date':
      return `DATE_FORMAT(${c}, '%Y-%m-%d')`;
    case 'boolean':
      return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} <> 0 THEN 'T' ELSE 'F' END`;
    case 'json':
      return `CAST(${c} AS CHAR)`;
    case 'uuid':
      return `LOWER(CAST(${c} AS CHAR))`;
    case 'padded':
      return `NULLIF(TRIM(TRAILING ' ' FROM CONVERT(${c} USING utf8mb4)) COLLATE utf8mb4_bin, '')`;
    case 'text':
      // By bytes: under a PAD SPACE collation NULLIF(c, '') would also null a text of blanks.
      return `CASE WHEN OCTET_LENGTH(${c}) = 0 THEN NULL ELSE CONVERT(${c} USING utf8mb4) END`;
  }
}

/** `1234.50` → `1234.5`, `100.00` → `100`, `-0.0` → `0`; integers as they are. */
function withoutTrailingZeros(text: string): string {
  const trimmed = `IF(LOCATE('.', ${text}) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text})), ${text})`;
  return `IF(${trimmed} = '-0', '0', ${trimmed})`;
}

/** reconcile's `rowText` in SQL: each value as `<UTF-8 length>:<value>;`, NULL as `-;`. */
export function rowTextSql(columns: readonly MysqlColumn[], alias: string): string {
  const parts = columns.map((column) => {
    const value = canonicalMysqlSql(column, `${alias}.${quoteMysqlName(column.name)}`);
    return `COALESCE(CONCAT(OCTET_LENGTH(${value}), ':', ${value}, ';'), '${NULL_MARK};')`;
  });
  return parts.length === 0 ? "''" : `CONCAT(${parts.join(', ')})`;
}

/** reconcile's `rowDigest`: the first 15 hex digits of the row text's MD5, as an integer below 2^60. */
export function rowDigestSql(columns: readonly MysqlColumn[], alias: string): string {
  return `CAST(CONV(SUBSTRING(MD5(${rowTextSql(columns, alias)}), 1, 15), 16, 10) AS DECIMAL(20,0))`;
}

/** What the probe needs of its sink: the tables it described, and sessions. */
export interface ProbeContext {
  readonly tables: TargetTables;
  /** A session of its own per call, outside any write. */
  openSession(): Promise<MysqlSession>;
}

/** Builds the probe; a FatalError names the columns the table lacks. */
export async function mysqlContentProbe(context: ProbeContext, target: TargetTable, names: readonly string[]): Promise<ContentProbe> {
  const { table, columns, key } = await withSession(context, async (session) => {
    const described = await context.tables.describe(session, target.table);
    return { table: described, columns: context.tables.columnsOf(described, names, 'mapping maps'), key: keyColumns(context.tables, described, target).key };
  });
  const quotedKey = `t.${quoteMysqlName(key.name)}`;
  const digest = rowDigestSql(columns, 't');
  const from = `FROM ${table.quoted} t`;
  const select = <R>(keys: readonly string[], what: string, read: (rows: Record<string, unknown>[]) => R, empty: R): Promise<R> =>
    keys.length === 0
      ? Promise.resolve(empty)
      : withSession(context, async (session) => {
          const literals = keys.map((value) => session.escape(toMysqlValue(value, key)));
          return read(await session.run(`SELECT ${what} ${from} WHERE ${exactlyIn(quotedKey, literals)}`));
        });
  const probed: TargetColumn[] = columns.map((column) => ({ name: column.name, kind: column.kind }));
  return {
    columns: probed,
    checksum: (keys) =>
      select<RangeChecksum>(keys, `COUNT(*) AS n, CAST(COALESCE(SUM(${digest}), 0) AS CHAR) AS s`, (rows) => ({ count: Number(rows[0]?.n ?? 0), sum: BigInt(String(rows[0]?.s ?? '0')) }), { count: 0, sum: 0n }),
    digests: (keys) =>
      select(keys, `CAST(${quotedKey} AS CHAR) AS k, CAST(${digest} AS CHAR) AS d`, (rows) => new Map(rows.map((row) => [String(row.k), BigInt(String(row.d))])), new Map<string, bigint>()),
    rows: (keys) => {
      const values = columns.flatMap((column, index) => {
        const ref = `t.${quoteMysqlName(column.name)}`;
        return [`${canonicalMysqlSql(column, ref)} AS c${index}`, `CAST(${ref} AS CHAR) AS t${index}`];
      });
      return select(keys, [`CAST(${quotedKey} AS CHAR) AS k`, ...values].join(', '), (rows) => probedRows(rows, columns), new Map<string, ProbedRow>());
    },
    keysPage: (after, limit) => withSession(context, (session) => keysPage(session, table, key, after, limit)),
  };
}

async function withSession<T>(context: ProbeContext, fn: (session: MysqlSession) => Promise<T>): Promise<T> {
  const session = await context.openSession();
  try {
    return await fn(session);
  } finally {
    session.end();
  }
}

function probedRows(rows: readonly Record<string, unknown>[], columns: readonly MysqlColumn[]): Map<string, ProbedRow> {
  const found = new Map<string, ProbedRow>();
  for (const row of rows) {
    const canonical: Record<string, string | null> = {};
    const text: Record<string, string | null> = {};
    columns.forEach((column, index) => {
      canonical[column.name] = row[`c${index}`] == null ? null : String(row[`c${index}`]);
      text[column.name] = row[`t${index}`] == null ? null : String(row[`t${index}`]);
    });
    found.set(String(row.k), { canonical, text });
  }
  return found;
}

/**
 * Keys in ascending text order (UTF-8 bytes, which is code point order): through the key's index
 * when its collation is binary (`utf8mb4_bin`), else by its text as bytes, which reads the table.
 */
async function keysPage(session: MysqlSession, table: MysqlTargetTable, key: MysqlColumn, after: string | null, limit: number): Promise<string[]> {
  const quoted = quoteMysqlName(key.name);
  const indexed = key.collation !== null && /_bin$/i.test(key.collation);
  const ordered = indexed ? quoted : `CAST(${quoted} AS BINARY)`;
  const literal = after === null ? null : session.escape(toMysqlValue(after, key));
  const from = literal === null ? '' : ` AND ${ordered} > ${indexed ? literal : `CAST(${literal} AS BINARY)`}`;
  const rows = await session.run(`SELECT CAST(${quoted} AS CHAR) AS k FROM ${table.quoted} WHERE ${quoted} IS NOT NULL${from} ORDER BY ${ordered} LIMIT ${Math.max(0, Math.floor(limit))}`);
  return rows.map((row) => String(row.k));
}
