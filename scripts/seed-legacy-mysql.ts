#!/usr/bin/env node
/**
 * `seed-legacy-mysql`: loads the generated legacy CRM into MySQL/MariaDB, so that a migration can
 * be tried against the database rather than the export files. Creates the database if missing,
 * re-creates the three tables and inserts the rows in multi-row INSERT batches inside
 * transactions. Dev tooling: it talks to mysql2 directly, not through a connector.
 *
 * @example node dist/scripts/seed-legacy-mysql.js --url mysql://root@127.0.0.1:3306/legacy_crm --customers 500
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { describeEndpoint, parseConnectionUrl, redactUrl, type ConnectionUrl } from '../connectors/connection-url.js';
import { EXIT_CODES, RunError, type ExitCode } from '../pipelines/errors.js';
import { GENERATOR_USAGE, parseGeneratorCommand, type Output } from './legacy-crm/generator-args.js';
import { generateLegacyCrm } from './legacy-crm/generate.js';
import { GroundTruthCollector, type GroundTruth } from './legacy-crm/ground-truth.js';
import { formatDateTime } from './legacy-crm/legacy-clock.js';
import type { LegacyCrmOptions } from './legacy-crm/legacy-crm-options.js';
import { LEGACY_TABLE_NAMES, columnNames, createTableSql, type LegacyTableName } from './legacy-crm/legacy-schema.js';

export interface SeedLegacyMysqlOptions extends Partial<LegacyCrmOptions> {
  /** Rows per INSERT statement. @default 1000 */
  readonly batchRows?: number;
  /** INSERT statements per transaction. @default 10 */
  readonly statementsPerTransaction?: number;
  /** Stops between statements; the transaction in flight is rolled back. */
  readonly signal?: AbortSignal;
}

export interface SeedSummary {
  /** `host:port/database`, never the password. */
  readonly endpoint: string;
  readonly database: string;
  /** `SELECT COUNT(*)` of each table after seeding. */
  readonly counts: Readonly<Record<LegacyTableName, number>>;
  readonly groundTruth: GroundTruth;
  readonly elapsedMs: number;
}

const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const PARTLY_FILLED = 'The tables may be partly filled; run the command again to re-create them.';

/**
 * Seeds the legacy CRM into the database named by `url` (`mysql://user:pass@host:3306/legacy_crm`).
 * Existing `customers`, `opportunities` and `tickets` tables in it are dropped first.
 * @throws RunError naming the endpoint (never the password), for a failed insert the table and
 *   ids, with a `hint` on what state is left; RangeError for bad options.
 */
export async function seedLegacyMysql(url: string, options: SeedLegacyMysqlOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  const parsed = parseConnectionUrl(url);
  if (parsed.scheme !== 'mysql' && parsed.scheme !== 'mariadb') throw new Error(`Expected a mysql:// or mariadb:// URL, got \`${parsed.redacted}\``);
  if (!IDENTIFIER.test(parsed.path)) {
    throw new Error(`Expected a database name of letters, digits, _ or $ in ${parsed.redacted}, e.g. mysql://root@127.0.0.1:3306/legacy_crm`);
  }
  const { batchRows = 1000, statementsPerTransaction = 10, signal, ...generatorOptions } = options;
  for (const [name, value] of [['batchRows', batchRows], ['statementsPerTransaction', statementsPerTransaction]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`Expected \`${name}\` to be an integer ≥ 1, got \`${value}\` (${typeof value})`);
  }
  const crm = generateLegacyCrm(generatorOptions);
  const collector = new GroundTruthCollector(crm);
  const endpoint = describeEndpoint(parsed, 3306);

  const connection = await connect(parsed, endpoint);
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${parsed.path}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`USE \`${parsed.path}\``);
    for (const table of LEGACY_TABLE_NAMES) {
      await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
      await connection.query(createTableSql(table));
    }
    const batch = { batchRows, statementsPerTransaction, signal, endpoint };
    await insertRows(connection, 'customers', crm.customers, batch);
    await insertRows(connection, 'opportunities', observe(crm.opportunities(), (row) => collector.addOpportunity(row)), batch);
    await insertRows(connection, 'tickets', observe(crm.tickets(), (row) => collector.addTicket(row)), batch);

    const counts = {} as Record<LegacyTableName, number>;
    for (const table of LEGACY_TABLE_NAMES) {
      const [result] = await connection.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      counts[table] = Number((result as { n: number | string }[])[0]!.n);
    }
    return { endpoint, database: parsed.path, counts, groundTruth: collector.result(), elapsedMs: performance.now() - started };
  } catch (error) {
    if (error instanceof RunError || signal?.aborted) throw error;
    throw new RunError(`Could not seed ${endpoint}: ${redactUrl((error as Error).message)}`, { cause: error, hint: PARTLY_FILLED });
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function connect(url: ConnectionUrl, endpoint: string): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({
      host: url.host,
      port: url.port ?? 3306,
      user: url.username || undefined,
      password: url.password || undefined,
      charset: 'utf8mb4',
      connectTimeout: 10_000,
      // DATETIMEs go in as text (see sqlValue) and come out as text: no time-zone conversion either way.
      dateStrings: true,
    });
  } catch (error) {
    throw new RunError(`Could not connect to MySQL at ${endpoint}: ${redactUrl((error as Error).message)}`, {
      cause: error,
      hint: 'Nothing was changed. Check that the server runs and that the user may log in.',
    });
  }
}

interface BatchSettings {
  readonly batchRows: number;
  readonly statementsPerTransaction: number;
  readonly signal: AbortSignal | undefined;
  readonly endpoint: string;
}

/** Multi-row INSERTs of `batchRows` rows, committed every `statementsPerTransaction` statements. */
async function insertRows(connection: mysql.Connection, table: LegacyTableName, rows: Iterable<Readonly<Record<string, unknown>>>, settings: BatchSettings): Promise<void> {
  const columns = columnNames(table);
  const sql = `INSERT INTO \`${table}\` (${columns.map((column) => `\`${column}\``).join(', ')}) VALUES ?`;
  let values: unknown[][] = [];
  let statements = 0;
  let inTransaction = false;
  const flush = async () => {
    if (values.length === 0) return;
    settings.signal?.throwIfAborted();
    if (!inTransaction) {
      await connection.beginTransaction();
      inTransaction = true;
    }
    const first = values[0]![0];
    const last = values[values.length - 1]![0];
    try {
      await connection.query(sql, [values]);
    } catch (error) {
      throw new RunError(`Could not insert ${table} ids ${String(first)}…${String(last)} into ${settings.endpoint}: ${redactUrl((error as Error).message)}`, { cause: error, hint: PARTLY_FILLED });
    }
    values = [];
    if (++statements % settings.statementsPerTransaction === 0) {
      await connection.commit();
      inTransaction = false;
    }
  };
  try {
    for (const row of rows) {
      values.push(columns.map((column) => sqlValue(row[column])));
      if (values.length >= settings.batchRows) await flush();
    }
    await flush();
    if (inTransaction) await connection.commit();
    inTransaction = false;
  } finally {
    if (inTransaction) await connection.rollback().catch(() => undefined);
  }
}

function sqlValue(value: unknown): unknown {
  return value instanceof Date ? formatDateTime(value.getTime()) : value;
}

function* observe<Row>(rows: Iterable<Row>, seen: (row: Row) => void): Generator<Row> {
  for (const row of rows) {
    seen(row);
    yield row;
  }
}

const USAGE = `seed-legacy-mysql: load the generated legacy CRM into MySQL or MariaDB.

Usage: node dist/scripts/seed-legacy-mysql.js --url mysql://USER[:PASSWORD]@HOST:PORT/DATABASE [options]

Creates the database if missing, drops and re-creates customers, opportunities and tickets,
inserts the rows (1,000 per statement) and prints the row counts.

Options:
  --url URL              target database, e.g. mysql://root@127.0.0.1:3306/legacy_crm
${GENERATOR_USAGE}
  -h, --help             this text

Exit codes: 0 seeded, 2 could not seed (the message says why).
`;

/** Runs the command; returns the exit code instead of exiting, so that tests can call it. */
export async function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<ExitCode> {
  let url: string;
  let options: Partial<LegacyCrmOptions>;
  try {
    const command = parseGeneratorCommand(argv, { name: 'url', missing: 'Expected `--url` to be a URL like mysql://root@127.0.0.1:3306/legacy_crm, got nothing' });
    if (command.help) {
      out.write(USAGE);
      return EXIT_CODES.reconciled;
    }
    ({ required: url, options } = command);
  } catch (error) {
    err.write(`${redactUrl((error as Error).message)}\nRun with --help for the options.\n`);
    return EXIT_CODES.couldNotRun;
  }

  try {
    const summary = await seedLegacyMysql(url, options);
    const counts = LEGACY_TABLE_NAMES.map((table) => `${table} ${summary.counts[table].toLocaleString('en-US')}`).join(', ');
    out.write(`Seeded ${summary.endpoint}: ${counts} in ${(summary.elapsedMs / 1000).toFixed(1)} s\n`);
    return EXIT_CODES.reconciled;
  } catch (error) {
    const hint = error instanceof RunError && error.hint !== undefined ? `\n${error.hint}` : '';
    err.write(`${redactUrl((error as Error).message)}${hint}\n`);
    return EXIT_CODES.couldNotRun;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
