/**
 * The target side of a content reconciliation on a PostgreSQL-family target: checksums, digests
 * and canonical rows of a table's rows by legacy key, computed by the database (pg-canonical.ts),
 * and its legacy keys page by page.
 */
import { sql, type Kysely } from 'kysely';
import type { ContentProbe, ProbedRow, TargetColumn } from '../sink.js';
import type { TargetTable } from '../types.js';
import { FatalError } from '../errors.js';
import { canonicalSql, pgColumnKind, rowDigestSql } from './pg-canonical.js';

/** Text types whose order and comparison the key's index serves as they are. */
const TEXT_TYPES = new Set(['text', 'character varying', 'character', 'varchar', 'bpchar', 'citext', 'name']);

/** A probe of `target`'s `mapped` columns; throws a `FatalError` naming the columns the table lacks. */
export async function pgContentProbe(db: Kysely<any>, target: TargetTable, mapped: readonly string[]): Promise<ContentProbe> {
  const [schema, tableName] = target.table.includes('.') ? target.table.split('.', 2) : [null, target.table];
  const { rows: described } = await sql<{ column_name: string; data_type: string; udt_name: string }>`
    SELECT column_name, data_type, udt_name FROM information_schema.columns
     WHERE table_name = ${tableName} AND table_schema = coalesce(${schema}::text, current_schema())`.execute(db);
  const types = new Map(described.map((row) => [row.column_name, row.data_type === 'USER-DEFINED' ? row.udt_name : row.data_type]));
  const missing = mapped.filter((column) => !types.has(column));
  if (missing.length > 0) throw new FatalError(`target table \`${target.table}\` has no column ${missing.map((c) => `\`${c}\``).join(', ')}`);
  const columns: TargetColumn[] = mapped.map((name) => ({ name, kind: pgColumnKind(types.get(name)!) }));

  const table = sql.table(target.table);
  const key = sql.ref(target.key);
  const digest = rowDigestSql(columns);
  // Keys page in byte order (the interface's): through the key's index where its collation is
  // already byte order, else under COLLATE "C", which sorts the table for each page.
  const indexed = TEXT_TYPES.has(types.get(target.key) ?? 'text') && (await keyCollationIsBytewise(db, schema, tableName!, target.key));
  const keyText = indexed ? key : sql`${key}::text COLLATE "C"`;
  return {
    columns,
    async checksum(keys) {
      const { rows } = await sql<{ n: string; total: string | null }>`SELECT count(*)::text AS n, sum(${digest})::text AS total
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      return { count: Number(rows[0]?.n ?? 0), sum: BigInt(rows[0]?.total ?? 0) };
    },
    async digests(keys) {
      const { rows } = await sql<{ k: string; d: string }>`SELECT ${key}::text AS k, (${digest})::text AS d
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      return new Map(rows.map((row) => [row.k, BigInt(row.d)]));
    },
    async rows(keys) {
      const selections = columns.flatMap((column, index) => [
        sql`${canonicalSql(column)} AS ${sql.ref(`c${index}`)}`,
        sql`${sql.ref(column.name)}::text AS ${sql.ref(`t${index}`)}`,
      ]);
      const { rows } = await sql<Record<string, string | null>>`SELECT ${key}::text AS "$key", ${sql.join(selections)}
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      const found = new Map<string, ProbedRow>();
      for (const row of rows) {
        const canonical: Record<string, string | null> = {};
        const text: Record<string, string | null> = {};
        columns.forEach((column, index) => {
          canonical[column.name] = row[`c${index}`] ?? null;
          text[column.name] = row[`t${index}`] ?? null;
        });
        found.set(row.$key!, { canonical, text });
      }
      return found;
    },
    async keysPage(after, limit) {
      const { rows } = await sql<{ k: string }>`SELECT ${key}::text AS k FROM ${table}
        WHERE ${key} IS NOT NULL AND (${after}::text IS NULL OR ${keyText} > ${after}) ORDER BY ${keyText} LIMIT ${limit}`.execute(db);
      return rows.map((row) => row.k);
    },
  };
}

/**
 * Collations whose order is that of the UTF-8 bytes (code points): `C` and `POSIX`, `ucs_basic`,
 * the builtin `pg_c_utf8`, and libc's `C.UTF-8` (code point order since glibc 2.35).
 */
const BYTEWISE_COLLATIONS = /^(c|posix|ucs_basic|pg_c_utf8|c\.utf-?8)$/i;

/** Whether the key column's collation (the database's default where it names none) orders text as bytes. */
async function keyCollationIsBytewise(db: Kysely<any>, schema: string | null, table: string, column: string): Promise<boolean> {
  // to_jsonb reads `datlocprovider`, which only PostgreSQL 15 and later have, without failing on older servers.
  const { rows } = await sql<{ collname: string | null; provider: string | null; datcollate: string | null; datprovider: string | null }>`
    SELECT co.collname, co.collprovider::text AS provider, d.datcollate::text AS datcollate, to_jsonb(d) ->> 'datlocprovider' AS datprovider
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_collation co ON co.oid = a.attcollation
      CROSS JOIN (SELECT * FROM pg_database WHERE datname = current_database()) d
     WHERE c.relname = ${table} AND n.nspname = coalesce(${schema}::text, current_schema()) AND a.attname = ${column}`.execute(db);
  const found = rows[0];
  if (!found?.collname) return false;
  if (found.collname !== 'default') return BYTEWISE_COLLATIONS.test(found.collname) && found.provider !== 'i';
  return found.datcollate !== null && BYTEWISE_COLLATIONS.test(found.datcollate) && ['c', 'b'].includes(found.datprovider ?? 'c');
}
