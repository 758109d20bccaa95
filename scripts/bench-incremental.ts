#!/usr/bin/env node
/**
 * `npm run bench:incremental`: how long a sync takes once the big first run is done. Seeds N
 * customers into MariaDB (the generator's 50,000, replicated in SQL with shifted ids), migrates
 * them into PostgreSQL with the example mapping, changes 1 % of them in the source, and times the
 * incremental run that follows against the full one. Prints a table and writes JSON.
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { mkdir, mkdtemp, cp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type mysql from 'mysql2/promise';
import { loadProject } from '../pipelines/config/load-project.js';
import { createLogger } from '../pipelines/logger.js';
import { packagePath } from '../pipelines/package-root.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { runProject, type RunSummary } from '../pipelines/runner/run-project.js';
import { seedLegacyMysql } from './seed-legacy-mysql.js';
import { fmt, log, withDatabase, withMysql, withPg } from './bench-support.js';

const USAGE = `npm run bench:incremental -- [options]

Options:
  --customers N     customers in the source (default 1000000)
  --changed P       percent of them changed before the incremental run (default 1)
  --mysql URL       MariaDB admin URL (default $CUTOVER_BENCH_MYSQL_URL or mysql://root@127.0.0.1:3306/test)
  --postgres URL    PostgreSQL admin URL (default $CUTOVER_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --out FILE        JSON results (default bench-results/incremental-<time>.json)
  --keep            keep the benchmark databases
  -h, --help        this text
`;

/** Customers the generator writes; the rest are copies of them with shifted ids. */
const GENERATED = 50_000;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '1000000' },
      changed: { type: 'string', default: '1' },
      mysql: { type: 'string', default: process.env.CUTOVER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
      postgres: { type: 'string', default: process.env.CUTOVER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const customers = Number(values.customers);
  const changedPercent = Number(values.changed);
  if (!Number.isInteger(customers) || customers < 1000) throw new Error(`Expected \`--customers\` to be an integer ≥ 1000, got \`${values.customers}\``);
  if (!(changedPercent > 0 && changedPercent <= 100)) throw new Error(`Expected \`--changed\` to be a percentage in (0, 100], got \`${values.changed}\``);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const name = `cutover_benchinc_${stamp}_${process.pid}`;
  const legacyUrl = withDatabase(values.mysql, name);
  const newcrmUrl = withDatabase(values.postgres, name);
  const projectDir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-inc-'));
  await withPg(values.postgres, (c) => c.query(`CREATE DATABASE "${name}"`));
  try {
    log(`seeding ${fmt(customers)} customers into MariaDB ${name}`);
    const seedStarted = performance.now();
    await seedLegacyMysql(legacyUrl, { customers: Math.min(GENERATED, customers), opportunities: 10, tickets: 10 });
    await withMysql(legacyUrl, (c) => replicateCustomers(c, customers));
    log(`seeded in ${seconds(seedStarted).toFixed(1)} s`);

    await cp(packagePath('mappings', 'example'), projectDir, { recursive: true });
    const project = await loadProject(projectDir, { env: { LEGACY_URL: legacyUrl, NEWCRM_URL: newcrmUrl } });
    const logger = createLogger({ file: path.join(projectDir, 'bench.log'), terminal: null });
    const run = (full: boolean) => runProject(project, { entities: ['customers'], full, log: logger });

    log('full run');
    const full = await run(true);
    const changed = await withMysql(legacyUrl, async (c) => {
      const modulus = Math.round(100 / changedPercent);
      const [result] = await c.query(`UPDATE customers SET notes = CONCAT('changed during the cutover #', id), updated_at = NOW() WHERE id % ${modulus} = 7`);
      return (result as { affectedRows: number }).affectedRows;
    });
    log(`changed ${fmt(changed)} customers; incremental run`);
    const incremental = await run(false);

    const summary = (label: string, result: RunSummary) => {
      const ledger = result.ledgers[0]!;
      return { label, seconds: result.seconds, read: ledger.read, inserted: ledger.inserted, updated: ledger.updated, unchanged: ledger.unchanged, rejected: ledger.rejected, filtered: ledger.filtered };
    };
    const results = { customers, changed, full: summary('full', full), incremental: summary('incremental', incremental), ratio: incremental.seconds / full.seconds };
    const rows = [results.full, results.incremental].map((r) => [r.label, r.seconds.toFixed(1), fmt(r.read), fmt(r.inserted), fmt(r.updated), fmt(r.unchanged), `${((r.seconds / full.seconds) * 100).toFixed(1)} %`]);
    process.stdout.write(`\n${renderTable(['run', 'seconds', 'read', 'inserted', 'updated', 'unchanged', 'of the full run'], rows)}\n`);
    const out = values.out ?? path.join('bench-results', `incremental-${stamp}.json`);
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${out}`);
    return 0;
  } finally {
    await rm(projectDir, { recursive: true, force: true });
    if (!values.keep) {
      await withMysql(values.mysql, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
      await withPg(values.postgres, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  }
}

/** Fills `customers` up to `total` rows with copies of the generated ones: ids and customer numbers shifted, timestamps a day earlier per copy. */
async function replicateCustomers(connection: mysql.Connection, total: number): Promise<void> {
  const [columnRows] = await connection.query("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'customers' ORDER BY ordinal_position");
  const columns = (columnRows as { name: string }[]).map((c) => c.name);
  const shifted = (copy: number) =>
    columns.map((column) => {
      if (column === 'id') return `id + ${copy * GENERATED}`;
      if (column === 'customer_no') return `CONCAT(customer_no, '-', ${copy})`;
      if (column === 'updated_at') return `updated_at - INTERVAL ${copy} DAY`;
      return `\`${column}\``;
    });
  for (let copy = 1; copy * GENERATED < total; copy++) {
    const rows = Math.min(GENERATED, total - copy * GENERATED);
    await connection.query(`INSERT INTO customers (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${shifted(copy).join(', ')} FROM customers WHERE id <= ${rows}`);
  }
}

const seconds = (since: number) => (performance.now() - since) / 1000;

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench:incremental: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
