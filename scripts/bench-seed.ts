#!/usr/bin/env node
/**
 * `bench-seed`: the benchmark's source, N rows per entity in MariaDB. The generator's rows are
 * seeded once (at most 50,000 per entity: its company-name space is finite), then replicated in
 * SQL, copy by copy, until each table holds N rows. Deterministic: the same N gives the same rows.
 *
 * Each copy is another set of companies that are not each other's duplicates, while the defects of
 * the sample stay: duplicates inside a copy stay duplicates (the same rewrite applies to both rows),
 * orphans stay orphans, children point at the customers of their own copy.
 *
 * Run as a child process by `npm run bench`, so that the generator's memory is not the run's.
 *
 * @example node dist/scripts/bench-seed.js --url mysql://root@127.0.0.1:3306/cutover_bench --rows 1000000
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { seedLegacyMysql } from './seed-legacy-mysql.js';

/** Rows per entity that the generator writes; the rest are copies of them. */
export const GENERATED_ROWS = 50_000;

const ENTITIES = ['customers', 'opportunities', 'tickets'] as const;

/**
 * Seeds `rows` rows per entity into the (created, empty or not) database named by `url`, of which
 * `generatedRows` come from the generator and the rest are SQL copies of them.
 * @returns the row count of each table.
 */
export async function seedBenchRows(url: string, rows: number, generatedRows = GENERATED_ROWS): Promise<Record<(typeof ENTITIES)[number], number>> {
  if (!Number.isInteger(rows) || rows < 100) throw new RangeError(`Expected rows to be an integer ≥ 100, got ${rows}`);
  if (!Number.isInteger(generatedRows) || generatedRows < 100 || generatedRows > 60_000) throw new RangeError(`Expected the generated rows to be an integer in 100…60,000, got ${generatedRows}`);
  const generated = Math.min(generatedRows, rows);
  await seedLegacyMysql(url, { customers: generated, opportunities: generated, tickets: generated, batchRows: 2000 });
  const connection = await mysql.createConnection({ uri: url, multipleStatements: false });
  try {
    const copies = Math.ceil(rows / generated);
    if (copies > 1) await replicate(connection, generated, copies, rows);
    const counts = {} as Record<(typeof ENTITIES)[number], number>;
    for (const table of ENTITIES) {
      const [result] = await connection.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      counts[table] = Number((result as { n: number | string }[])[0]!.n);
    }
    return counts;
  } finally {
    await connection.end();
  }
}

async function replicate(connection: mysql.Connection, generated: number, copies: number, rows: number): Promise<void> {
  for (const table of ENTITIES) {
    const [check] = await connection.query(`SELECT COUNT(*) AS n, MIN(id) AS first, MAX(id) AS last FROM \`${table}\``);
    const { n, first, last } = (check as { n: number; first: number; last: number }[])[0]!;
    // Copies shift ids by multiples of `generated`: the generated ids must be exactly 1…generated.
    if (Number(n) !== generated || Number(first) !== 1 || Number(last) !== generated) {
      throw new Error(`${table}: expected ids 1…${generated} from the generator, found ${n} rows, ${first}…${last}`);
    }
  }
  // Children of a missing customer (a purged one) carry an id just above the generated customers',
  // which copy 1 would fill: move them above every copy, so that orphans stay orphans.
  const above = copies * generated;
  for (const table of ['opportunities', 'tickets'] as const) {
    await connection.query(`UPDATE \`${table}\` SET customer_id = customer_id + ${above} WHERE customer_id > ${generated}`);
  }
  for (const table of ENTITIES) {
    const columns = await columnsOf(connection, table);
    for (let copy = 1; copy < copies; copy++) {
      const count = Math.min(generated, rows - copy * generated);
      const select = columns.map((column) => copiedValue(table, column, copy, generated));
      await connection.query(`INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${select.join(', ')} FROM \`${table}\` WHERE id <= ${count}`);
    }
  }
}

/** The SQL expression for `column` in copy `copy` of a row. */
function copiedValue(table: (typeof ENTITIES)[number], column: string, copy: number, generated: number): string {
  const quoted = `\`${column}\``;
  if (column === 'id') return `id + ${copy * generated}`;
  if (column === 'customer_id') return `customer_id + ${copy * generated}`;
  if (column === 'customer_no' || column === 'ticket_no') return `CONCAT(${quoted}, '-', ${copy})`;
  if (table !== 'customers') return quoted;
  // Another company per copy, in another block: the copy's two letters after the city (the same for
  // the whole copy, so that duplicates typed twice inside it still look alike). Names stay as they
  // are: a mark before the name would shorten the name part of the block key (city + 4 folded
  // characters) to the city's own first characters, and blocks of hundreds of records would find
  // nobody (over `max_candidates`) and slow every lookup.
  if (column === 'city') return `IF(TRIM(city) <> '', CONCAT(city, ' ', CHAR(65 + ${copy % 26}), CHAR(65 + ${Math.floor(copy / 26) % 26})), city)`;
  if (column === 'email') return `IF(email LIKE '%@%', CONCAT('c${copy}.', email), email)`;
  // Phones keep their format and validity: the last four digits shift by the same amount in the copy.
  if (column === 'phone' || column === 'mobile') {
    return `IF(${quoted} REGEXP '[0-9]{4}$', CONCAT(LEFT(${quoted}, CHAR_LENGTH(${quoted}) - 4), LPAD((RIGHT(${quoted}, 4) + ${(copy * 373) % 10_000}) % 10000, 4, '0')), ${quoted})`;
  }
  return quoted;
}

async function columnsOf(connection: mysql.Connection, table: string): Promise<string[]> {
  const [rows] = await connection.query('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position', [table]);
  return (rows as { name: string }[]).map((r) => r.name);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { url: { type: 'string' }, rows: { type: 'string' }, generated: { type: 'string', default: String(GENERATED_ROWS) } } });
  try {
    if (!values.url) throw new Error('Expected --url mysql://USER@HOST:PORT/DATABASE');
    const counts = await seedBenchRows(values.url, Number(values.rows), Number(values.generated));
    process.stdout.write(`${JSON.stringify(counts)}\n`);
  } catch (error) {
    process.stderr.write(`bench-seed: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
