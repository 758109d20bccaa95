#!/usr/bin/env node
/**
 * `npm run bench:incremental`: how long a sync takes once the big first run is done. Seeds the
 * same source as `npm run bench` (N rows per entity, bench-seed.ts), migrates it in full into
 * PostgreSQL with the example mappings, changes P % of every table in the source, and times the
 * incremental run that follows against the full one, both as the command line runs them (a
 * worker with the capped heap). Prints a table and writes JSON.
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packagePath } from '../pipelines/package-root.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { BENCH_ENTITIES, type BenchEntity, cutoverRun, type Measurement, seedBench } from './bench-cutover.js';
import { fmt, log, withDatabase, withMysql, withPg } from './bench-support.js';
import { DEFAULT_MAX_HEAP_MB, heapLimitMb } from './heap-limit.js';

const USAGE = `npm run bench:incremental -- [options]

Options:
  --rows N          rows per entity in the source, as npm run bench (default 1000000)
  --changed P       percent of every table changed before the incremental run (default 1)
  --generated N     rows per entity the generator writes before the SQL copies (default 50000)
  --mysql URL       MariaDB admin URL (default $CUTOVER_BENCH_MYSQL_URL or mysql://root@127.0.0.1:3306/test)
  --postgres URL    PostgreSQL admin URL (default $CUTOVER_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --out FILE        JSON results (default bench-results/incremental-<time>.json)
  --keep            keep the benchmark databases
  --max-heap MB     the runs' heap cap, as the command line's (default ${DEFAULT_MAX_HEAP_MB}; 0 = Node's own limit)
  -h, --help        this text
`;

/**
 * What a user changes in the legacy CRM while both systems are live: one column per table, and
 * the row's sync cursor moves on. Each change keeps a valid row valid.
 */
const CHANGES: Record<BenchEntity, string> = {
  customers: "notes = CONCAT('changed during the cutover #', id)",
  opportunities: 'probability = IF(probability IS NULL OR probability > 90, 10, probability + 5)',
  tickets: "subject = CONCAT(LEFT(subject, 180), ' (followed up)')",
};

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      changed: { type: 'string', default: '1' },
      generated: { type: 'string', default: '50000' },
      mysql: { type: 'string', default: process.env.CUTOVER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
      postgres: { type: 'string', default: process.env.CUTOVER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'max-heap': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const rows = Number(values.rows);
  const changedPercent = Number(values.changed);
  if (!Number.isInteger(rows) || rows < 1000) throw new Error(`Expected \`--rows\` to be an integer ≥ 1000, got \`${values.rows}\``);
  if (!(changedPercent > 0 && changedPercent <= 100)) throw new Error(`Expected \`--changed\` to be a percentage in (0, 100], got \`${values.changed}\``);
  const heapMb = heapLimitMb(values['max-heap'], process.env, process.execArgv);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const name = `cutover_benchinc_${stamp}_${process.pid}`;
  const legacyUrl = withDatabase(values.mysql, name);
  const newcrmUrl = withDatabase(values.postgres, name);
  const projectDir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-inc-'));
  await withMysql(values.mysql, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  await withPg(values.postgres, (c) => c.query(`CREATE DATABASE "${name}"`));
  try {
    log(`seeding ${fmt(rows)} rows per entity into MariaDB ${name}`);
    const seedStarted = performance.now();
    await seedBench(legacyUrl, rows, values.generated);
    log(`seeded in ${seconds(seedStarted).toFixed(1)} s`);
    await cp(packagePath('mappings', 'example'), projectDir, { recursive: true });
    const input = { projectDir, legacyUrl, newcrmUrl };

    log('full run');
    const full = await cutoverRun({ ...input, full: true }, heapMb);
    const modulus = Math.round(100 / changedPercent);
    const changed = await withMysql(legacyUrl, async (c) => {
      const counts = {} as Record<BenchEntity, number>;
      for (const entity of BENCH_ENTITIES) {
        const [result] = await c.query(`UPDATE \`${entity}\` SET ${CHANGES[entity]}, updated_at = NOW() WHERE id % ${modulus} = ${7 % modulus}`);
        counts[entity] = (result as { affectedRows: number }).affectedRows;
      }
      return counts;
    });
    log(`changed ${BENCH_ENTITIES.map((e) => `${fmt(changed[e])} ${e}`).join(', ')}; incremental run`);
    const incremental = await cutoverRun({ ...input, full: false }, heapMb);

    const line = (label: string, run: Measurement, of: Measurement) => {
      const ledger = run.ledger;
      return [label, run.seconds.toFixed(1), fmt(run.rows), ledger ? fmt(ledger.inserted) : '', ledger ? fmt(ledger.updated) : '', ledger ? fmt(ledger.unchanged) : '', `${run.peakRssMb} MB`, `${((run.seconds / of.seconds) * 100).toFixed(1)} %`];
    };
    const table = BENCH_ENTITIES.flatMap((entity) => [line(`${entity}, full`, full.entities[entity]!, full.entities[entity]!), line(`${entity}, incremental`, incremental.entities[entity]!, full.entities[entity]!)]);
    table.push(line('all, full', full.total, full.total), line('all, incremental', incremental.total, full.total));
    process.stdout.write(`\n${renderTable(['run', 'seconds', 'read', 'inserted', 'updated', 'unchanged', 'peak RSS', 'of the full run'], table)}\n`);
    process.stdout.write(`unaccounted rows after the full run: ${full.unaccounted}, after the incremental run: ${incremental.unaccounted}\n`);

    const results = { rowsPerEntity: rows, changedPercent, heapCapMb: heapMb, changed, full, incremental, ratio: incremental.total.seconds / full.total.seconds };
    const out = values.out ?? path.join('bench-results', `incremental-${stamp}.json`);
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${out}`);
    return full.unaccounted === 0 && incremental.unaccounted === 0 ? 0 : 1;
  } finally {
    await rm(projectDir, { recursive: true, force: true });
    if (!values.keep) {
      await withMysql(values.mysql, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
      await withPg(values.postgres, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
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
