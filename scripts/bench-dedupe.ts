#!/usr/bin/env node
/**
 * `npm run bench:dedupe`: how good and how fast de-duplication is, through the real pipeline
 * (MariaDB or files ▸ PostgreSQL, match-key index in the state):
 * - precision, recall and F1 of the merged pairs on the generated legacy CRM against its ground
 *   truth, for the default seed and duplicate rate and for another seed with twice the duplicates;
 * - the same on the FEBRL person data sets 1 and 2 (../shared/data/febrl-dedupe), rec_id dropped
 *   before matching and used only as the truth;
 * - time, rows/s and peak RSS for a large customer table (default 1,000,000).
 * Not a test: nothing here asserts. Figures go to BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { loadProject } from '../pipelines/config/load-project.js';
import { createLogger } from '../pipelines/logger.js';
import { packagePath } from '../pipelines/package-root.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { runProject } from '../pipelines/runner/run-project.js';
import { pairKey, pairMetrics, pairsOfClusters } from '../transforms/dedupe/pair-metrics.js';
import { seedLegacyMysql } from './seed-legacy-mysql.js';
import { fmt, log, withDatabase, withPg } from './bench-support.js';

const USAGE = `npm run bench:dedupe -- [options]

Options:
  --customers N     customers of the generated CRM for precision and recall (default 20000; 0 skips
                    the quality runs, so that the large run's memory is measured alone)
  --big N           customers for the time and memory run; 0 skips it (default 1000000)
  --febrl DIR       FEBRL data sets (default ../shared/data/febrl-dedupe beside the project)
  --mysql URL       MariaDB admin URL (default $CUTOVER_BENCH_MYSQL_URL or mysql://root@127.0.0.1:3306/test)
  --postgres URL    PostgreSQL admin URL (default $CUTOVER_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --out FILE        JSON results (default bench-results/dedupe-<time>.json)
  -h, --help        this text
`;

interface Quality {
  name: string;
  records: number;
  truePairs: number;
  predictedPairs: number;
  precision: number;
  recall: number;
  f1: number;
  seconds: number;
  rowsPerSecond: number;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '20000' },
      big: { type: 'string', default: '1000000' },
      febrl: { type: 'string', default: path.resolve(packagePath(), '..', 'shared', 'data', 'febrl-dedupe') },
      mysql: { type: 'string', default: process.env.CUTOVER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
      postgres: { type: 'string', default: process.env.CUTOVER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const customers = Number(values.customers);
  const big = Number(values.big);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const admin = { mysql: values.mysql, postgres: values.postgres };

  const quality: Quality[] = [];
  for (const [seed, duplicateRate] of customers > 0 ? ([[42, 0.07], [7, 0.15]] as const) : []) {
    quality.push(await generated(admin, `${stamp}_${seed}`, { customers, seed, duplicateRate }));
  }
  for (const dataset of customers > 0 ? ['dataset1', 'dataset2'] : []) {
    const file = path.join(values.febrl, `${dataset}.csv`);
    if (await access(file).then(() => true, () => false)) quality.push(await febrl(admin, `${stamp}_${dataset}`, values.febrl, dataset));
    else log(`FEBRL ${dataset}: ${file} not found, skipped`);
  }
  process.stdout.write(
    `\n${renderTable(
      ['data', 'records', 'true pairs', 'merged pairs', 'precision', 'recall', 'F1', 'seconds', 'rows/s'],
      quality.map((q) => [q.name, q.records, q.truePairs, q.predictedPairs, q.precision.toFixed(4), q.recall.toFixed(4), q.f1.toFixed(4), q.seconds.toFixed(1), Math.round(q.rowsPerSecond)]),
    )}\n`,
  );
  const scale = big > 0 ? await largeRun(admin, `${stamp}_big`, big) : null;
  if (scale) process.stdout.write(`\n${fmt(scale.customers)} customers: ${scale.seconds.toFixed(1)} s, ${fmt(scale.rowsPerSecond)} rows/s, peak RSS ${scale.peakRssMb} MB, ${fmt(scale.merged)} merged\n`);
  const out = values.out ?? path.join('bench-results', `dedupe-${stamp}.json`);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, `${JSON.stringify({ quality, scale }, null, 2)}\n`);
  log(`results written to ${out}`);
  return 0;
}

/** The generated legacy CRM in MariaDB, customers only, into PostgreSQL with the example mapping. */
async function generated(admin: Admins, name: string, options: { customers: number; seed: number; duplicateRate: number }): Promise<Quality> {
  return withDatabases(admin, `cutover_bdd_${name}`, async (legacyUrl, newcrmUrl) => {
    log(`generated CRM, seed ${options.seed}, duplicate rate ${options.duplicateRate}: seeding ${fmt(options.customers)} customers`);
    const seed = await seedLegacyMysql(legacyUrl, { ...options, opportunities: 10, tickets: 10 });
    const { seconds, read } = await runCustomers(newcrmUrl, { LEGACY_URL: legacyUrl, NEWCRM_URL: newcrmUrl });
    const truth = pairsOfClusters(seed.groundTruth.customers.duplicateClusters);
    const predicted = await predictedPairs(newcrmUrl, 'customers');
    return { name: `generated seed ${options.seed} dup ${options.duplicateRate}`, records: read, ...metrics(predicted, truth), seconds, rowsPerSecond: read / seconds };
  });
}

/** FEBRL people: rec_id replaced by the row number, spaces after commas removed; a mapping of their own. */
async function febrl(admin: Admins, name: string, dir: string, dataset: string): Promise<Quality> {
  return withDatabases(admin, `cutover_bdd_${name}`, async (_legacyUrl, newcrmUrl) => {
    const project = await mkdtemp(path.join(tmpdir(), 'cutover-febrl-'));
    try {
      const lines = (await readFile(path.join(dir, `${dataset}.csv`), 'utf8')).trim().split('\n');
      const header = lines[0]!.split(',').map((c) => c.trim());
      const recIds: string[] = [];
      const rows = lines.slice(1).map((line, index) => {
        const cells = line.split(',').map((c) => c.trim());
        recIds.push(cells[0]!);
        return [String(index + 1), ...cells.slice(1)].join(',');
      });
      await mkdir(path.join(project, 'data'));
      await mkdir(path.join(project, 'migrations'));
      await writeFile(path.join(project, 'data', 'people.csv'), `${['id', ...header.slice(1)].join(',')}\n${rows.join('\n')}\n`);
      await writeFile(path.join(project, 'migrations', '001.sql'), 'CREATE TABLE people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), legacy_id text UNIQUE NOT NULL, full_name text, given_name text, surname text, street text, suburb text, postcode text, state text, date_of_birth text, soc_sec_id text);');
      await writeFile(path.join(project, 'cutover.yaml'), 'connections:\n  legacy: file://./data\n  newcrm: ${NEWCRM_URL}\ntarget:\n  connection: newcrm\n  migrations: ./migrations\nentities:\n  - people.yaml\n');
      await writeFile(path.join(project, 'people.yaml'), FEBRL_MAPPING);
      const { seconds, read } = await runEntities(project, { NEWCRM_URL: newcrmUrl }, ['people']);
      const truthLines = (await readFile(path.join(dir, `${dataset}_true_pairs.csv`), 'utf8')).trim().split('\n').slice(1);
      const idOf = new Map(recIds.map((recId, index) => [recId, String(index + 1)]));
      const truth = new Set(truthLines.map((line) => pairKey(...(line.split(',').map((recId) => idOf.get(recId.trim())!) as [string, string]))));
      const predicted = await predictedPairs(newcrmUrl, 'people');
      return { name: `FEBRL ${dataset}`, records: read, ...metrics(predicted, truth), seconds, rowsPerSecond: read / seconds };
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
}

/** People records: the same person under typos and swapped fields. No veto: FEBRL puts typos in every field. */
const FEBRL_MAPPING = `entity: people
source: { connection: legacy, table: people, key: id }
target: { connection: newcrm, table: people, key: legacy_id, id: id }
fields:
  legacy_id: { from: id }
  full_name: { from: [given_name, surname], transforms: [{ concat: { separator: ' ' } }, trim, lower] }
  given_name: { from: given_name, transforms: [trim, lower] }
  surname: { from: surname, transforms: [trim, lower] }
  street: { from: [street_number, address_1], transforms: [{ concat: { separator: ' ' } }, trim, lower] }
  suburb: { from: suburb, transforms: [trim, lower] }
  postcode: { from: postcode, transforms: [trim] }
  state: { from: state, transforms: [trim, lower] }
  date_of_birth: { from: date_of_birth, transforms: [trim] }
  soc_sec_id: { from: soc_sec_id, transforms: [trim] }
dedupe:
  rules:
    - { name: same social security id and birth date, exact: [soc_sec_id, date_of_birth] }
    - { name: similar name at the same postcode, fuzzy: full_name, threshold: 0.9, review: 0.8, block: [postcode], block_prefix: 1 }
    - { name: similar name born the same day, fuzzy: full_name, threshold: 0.9, review: 0.8, block: [date_of_birth], block_prefix: 0 }
    - { name: similar street at the same postcode, fuzzy: street, threshold: 0.95, block: [postcode, surname], block_prefix: 0 }
  survivor: most_complete
`;

/** A large customer table: the generator's 50,000, replicated with distinct names, e-mails and phones per copy. */
async function largeRun(admin: Admins, name: string, total: number) {
  return withDatabases(admin, `cutover_bdd_${name}`, async (legacyUrl, newcrmUrl) => {
    log(`large run: seeding ${fmt(total)} customers`);
    // In a child process, so that the generator's memory is not counted as the run's.
    await promisify(execFile)(process.execPath, [packagePath('dist', 'scripts', 'seed-legacy-mysql.js'), '--url', legacyUrl, '--customers', String(Math.min(50_000, total)), '--opportunities', '10', '--tickets', '10']);
    const connection = await mysql.createConnection(legacyUrl);
    try {
      const [columnRows] = await connection.query("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'customers' ORDER BY ordinal_position");
      const columns = (columnRows as { name: string }[]).map((c) => c.name);
      for (let copy = 1; copy * 50_000 < total; copy++) {
        const shifted = columns.map((column) => {
          if (column === 'id') return `id + ${copy * 50_000}`;
          if (column === 'customer_no') return `CONCAT(customer_no, '-', ${copy})`;
          // Another company per copy: a name starting with two letters drawn from the id, its own e-mail
          // and no phone, so copies are not each other's duplicates and blocks keep a realistic size.
          if (column === 'name') return `CONCAT(CHAR(65 + (id * 7 + ${copy}) % 26), CHAR(65 + (id * 13 + ${copy * 3}) % 26), ' ', name)`;
          if (column === 'email') return `IF(email LIKE '%@%', CONCAT('b${copy}.', email), email)`;
          if (column === 'phone' || column === 'mobile') return 'NULL';
          return `\`${column}\``;
        });
        await connection.query(`INSERT INTO customers (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${shifted.join(', ')} FROM customers WHERE id <= ${Math.min(50_000, total - copy * 50_000)}`);
      }
    } finally {
      await connection.end();
    }
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    try {
      const { seconds, read } = await runCustomers(newcrmUrl, { LEGACY_URL: legacyUrl, NEWCRM_URL: newcrmUrl });
      const [merged] = await queryPg(newcrmUrl, "SELECT count(*)::int AS n FROM cutover.merges WHERE entity = 'customers'");
      return { customers: read, seconds, rowsPerSecond: read / seconds, peakRssMb: Math.round(peak / 1024 / 1024), merged: Number(merged!.n) };
    } finally {
      clearInterval(sampler);
    }
  });
}

async function runCustomers(newcrmUrl: string, env: Record<string, string>) {
  const project = await mkdtemp(path.join(tmpdir(), 'cutover-bench-dedupe-'));
  try {
    await cp(packagePath('mappings', 'example'), project, { recursive: true });
    return await runEntities(project, env, ['customers']);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

async function runEntities(project: string, env: Record<string, string>, entities: string[]) {
  const loaded = await loadProject(project, { env });
  const started = performance.now();
  const summary = await runProject(loaded, { entities, log: createLogger({ file: path.join(project, 'bench.log'), terminal: null }) });
  return { seconds: (performance.now() - started) / 1000, read: summary.ledgers.reduce((sum, l) => sum + l.read, 0) };
}

async function predictedPairs(url: string, entity: string): Promise<Set<string>> {
  const rows = await queryPg(url, 'SELECT anchor_key, array_agg(legacy_key) AS members FROM cutover.dedupe_records WHERE entity = $1 GROUP BY anchor_key HAVING count(*) > 1', [entity]);
  return pairsOfClusters(rows.map((row) => row.members as string[]));
}

function metrics(predicted: Set<string>, truth: Set<string>) {
  const { precision, recall, f1 } = pairMetrics(predicted, truth);
  return { truePairs: truth.size, predictedPairs: predicted.size, precision, recall, f1 };
}

interface Admins {
  mysql: string;
  postgres: string;
}

async function withDatabases<T>(admin: Admins, name: string, work: (legacyUrl: string, newcrmUrl: string) => Promise<T>): Promise<T> {
  const legacyUrl = withDatabase(admin.mysql, name);
  const newcrmUrl = withDatabase(admin.postgres, name);
  await queryPg(admin.postgres, `CREATE DATABASE "${name}"`);
  try {
    return await work(legacyUrl, newcrmUrl);
  } finally {
    const connection = await mysql.createConnection(admin.mysql);
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => connection.end());
    await queryPg(admin.postgres, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

function queryPg(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return withPg(url, async (client) => (await client.query(text, values)).rows);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench:dedupe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
