/**
 * The target's own ceiling, a reference for `npm run bench` beside the raw pipe and pgloader: how
 * fast PostgreSQL takes the rows cutover loaded, already mapped, into tables shaped like the
 * target's (the raw pipe writes text columns into unlogged tables without a key; pgloader builds
 * its keys and indexes after the load). One `psql \copy … TO STDOUT | psql \copy … FROM STDIN`
 * per table, nothing else to do:
 *
 * - `asDefined`: into the tables as the mapping's migrations define them (keys, unique legacy id,
 *   checks, indexes, foreign keys), as cutover writes them;
 * - `keysAfter`: into bare tables, then the same keys, indexes and foreign keys added, as pgloader
 *   does (the time counts both).
 */
import type pg from 'pg';
import { fmt, finished, log, spawnCommand, withPg } from './bench-support.js';
import type { Measurement } from './bench-cutover.js';

export interface TargetCeiling {
  readonly asDefined: Measurement;
  readonly keysAfter: Measurement;
}

/**
 * Measures both ways for `tables` (parents first: foreign keys point at the copies) of the
 * database at `url`, in the schemas `bench_ceiling_defined` and `bench_ceiling_keys_after`.
 */
export async function targetCeiling(url: string, tables: readonly string[]): Promise<Record<string, TargetCeiling>> {
  const results: Record<string, TargetCeiling> = {};
  await withPg(url, async (client) => {
    for (const schema of ['bench_ceiling_defined', 'bench_ceiling_keys_after']) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    for (const table of tables) {
      const rows = Number((await client.query(`SELECT count(*) AS n FROM public."${table}"`)).rows[0].n);
      const definitions = await definitionsOf(client, table);

      await client.query(`CREATE TABLE bench_ceiling_defined."${table}" (LIKE public."${table}" INCLUDING DEFAULTS)`);
      await applyDefinitions(client, 'bench_ceiling_defined', table, definitions);
      let started = performance.now();
      await copyTable(url, table, 'bench_ceiling_defined');
      const asDefined = measured(rows, started);

      await client.query(`CREATE TABLE bench_ceiling_keys_after."${table}" (LIKE public."${table}" INCLUDING DEFAULTS)`);
      started = performance.now();
      await copyTable(url, table, 'bench_ceiling_keys_after');
      await applyDefinitions(client, 'bench_ceiling_keys_after', table, definitions);
      const keysAfter = measured(rows, started);

      results[table] = { asDefined, keysAfter };
      log(`  ${table}: ${fmt(rows)} rows, ${fmt(asDefined.rowsPerSecond)} rows/s as defined, ${fmt(keysAfter.rowsPerSecond)} rows/s with keys and indexes after`);
    }
    for (const schema of ['bench_ceiling_defined', 'bench_ceiling_keys_after']) await client.query(`DROP SCHEMA ${schema} CASCADE`);
  });
  return results;
}

interface Definitions {
  /** `ALTER TABLE … ADD CONSTRAINT` clauses: keys, unique, checks first, foreign keys last. */
  readonly constraints: { name: string; definition: string }[];
  /** `CREATE INDEX` statements of the indexes that no constraint owns, with `ON public.t` left to replace. */
  readonly indexes: string[];
}

async function definitionsOf(client: pg.Client, table: string): Promise<Definitions> {
  // search_path = public: references come out unqualified, so that they resolve in the copy's schema.
  await client.query('SET search_path = public');
  const constraints = await client.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'c', 'f') ORDER BY contype = 'f', conname`,
    [`public."${table}"`],
  );
  const indexes = await client.query<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
      WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [`public."${table}"`],
  );
  await client.query('RESET search_path');
  return { constraints: constraints.rows, indexes: indexes.rows.map((r) => r.definition) };
}

async function applyDefinitions(client: pg.Client, schema: string, table: string, { constraints, indexes }: Definitions): Promise<void> {
  await client.query(`SET search_path = ${schema}`);
  try {
    for (const { name, definition } of constraints) await client.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${name}" ${definition}`);
    for (const index of indexes) await client.query(index.replace(/ ON (public\.)?("?)([^\s"]+)\2 /, ` ON ${schema}."${table}" `));
  } finally {
    await client.query('RESET search_path');
  }
}

async function copyTable(url: string, table: string, schema: string): Promise<void> {
  const psql = (command: string) => spawnCommand(['psql', ['-q', '-v', 'ON_ERROR_STOP=1', url, '-c', command], {}], ['pipe', 'pipe', 'pipe']);
  const out = psql(`\\copy public."${table}" TO STDOUT`);
  const into = psql(`\\copy ${schema}."${table}" FROM STDIN`);
  out.stdout!.pipe(into.stdin!);
  into.stdout!.resume();
  await Promise.all([finished(out, 'psql \\copy TO STDOUT'), finished(into, 'psql \\copy FROM STDIN')]);
}

function measured(rows: number, started: number): Measurement {
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, rowsPerSecond: rows / seconds };
}
