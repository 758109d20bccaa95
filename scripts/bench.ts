#!/usr/bin/env node
/**
 * `npm run bench`: seeds a legacy CRM of N rows per entity into MariaDB (the generator's rows
 * replicated in SQL, see bench-seed.ts), migrates it into PostgreSQL with the bundled example
 * mappings, and measures on the same rows the raw pipe `mariadb --quick -B | psql \copy` (the
 * physical ceiling) and pgloader when it is installed, then copies the rows cutover loaded again
 * into tables shaped like the target's (bench-target-ceiling.ts). Prints tables and writes JSON.
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packagePath } from '../pipelines/package-root.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { BENCH_ENTITIES as ENTITIES, type BenchEntity as Entity, cutoverRun, mb, type Measurement, seedBench } from './bench-cutover.js';
import { targetCeiling } from './bench-target-ceiling.js';
import { type Command, finished, fmt, log, spawnCommand, withDatabase, withMysql, withPg } from './bench-support.js';
import { DEFAULT_MAX_HEAP_MB, heapLimitMb } from './heap-limit.js';

const USAGE = `npm run bench -- [options]

Seeds N rows per entity into MariaDB (the generator's 50,000 replicated in SQL), migrates them
into PostgreSQL with mappings/example, and measures the raw pipe (mariadb --quick -B | psql
\\copy) and pgloader (when installed) on the same rows, and the target's own ceiling (the loaded
rows copied again into tables shaped like the target's).

Options:
  --rows N          rows per entity (default 1000000; a multiple of 50,000 keeps the sample's ratios)
  --no-pgloader     skip pgloader even when it is installed
  --generated N     rows per entity the generator writes before the SQL copies (default 50000)
  --mysql URL       MariaDB admin URL (default $CUTOVER_BENCH_MYSQL_URL or mysql://root@127.0.0.1:3306/test)
  --postgres URL    PostgreSQL admin URL (default $CUTOVER_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --out FILE        JSON results (default bench-results/bench-<time>.json)
  --keep            keep the benchmark databases
  --max-heap MB     the cutover run's heap cap, as the command line's (default ${DEFAULT_MAX_HEAP_MB}; 0 = Node's own limit)
  -h, --help        this text
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      'no-pgloader': { type: 'boolean', default: false },
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
  if (!Number.isInteger(rows) || rows < 100) throw new Error(`--rows must be an integer ≥ 100, got ${values.rows}`);
  const heapMb = heapLimitMb(values['max-heap'], process.env, process.execArgv);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const name = `cutover_bench_${stamp}_${process.pid}`;
  const legacyUrl = withDatabase(values.mysql, name);
  const newcrmUrl = withDatabase(values.postgres, name);
  const projectDir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-'));
  await withMysql(values.mysql, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  await withPg(values.postgres, (c) => c.query(`CREATE DATABASE "${name}"`));
  try {
    log(`seeding ${fmt(rows)} rows per entity into MariaDB ${name}`);
    const seedStarted = performance.now();
    await seedBench(legacyUrl, rows, values.generated);
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    log('raw pipe: mariadb --quick -B | psql \\copy');
    const raw: Partial<Record<Entity, Measurement>> = {};
    for (const entity of ENTITIES) raw[entity] = await rawPipe(legacyUrl, newcrmUrl, entity);

    const pgloader: Partial<Record<Entity, Measurement>> = {};
    let pgloaderNote: string | null = null;
    if (values['no-pgloader']) pgloaderNote = 'skipped (--no-pgloader)';
    else if (!(await installed('pgloader'))) pgloaderNote = 'not installed';
    else {
      log('pgloader (prefetch rows = 10000)');
      const pgloaderUrl = withDatabase(values.postgres, `${name}_pgl`);
      await withPg(values.postgres, (c) => c.query(`CREATE DATABASE "${name}_pgl"`));
      try {
        for (const entity of ENTITIES) pgloader[entity] = await pgloaderRun(legacyUrl, pgloaderUrl, entity, projectDir);
      } finally {
        if (!values.keep) await withPg(values.postgres, (c) => c.query(`DROP DATABASE IF EXISTS "${name}_pgl" WITH (FORCE)`));
      }
    }

    log('cutover run (full migration, example mappings)');
    await cp(packagePath('mappings', 'example'), projectDir, { recursive: true });
    const loadStarted = (await import('node:os')).loadavg();
    const cutover = await cutoverRun({ projectDir, legacyUrl, newcrmUrl, full: true }, heapMb);
    const loadAverage = (await import('node:os')).loadavg();
    log("the target's own ceiling: cutover's loaded rows copied again into tables shaped like the target's");
    const ceiling = await targetCeiling(newcrmUrl, ENTITIES);

    const results = { rowsPerEntity: rows, heapCapMb: heapMb, machine: { node: process.version, cpus: (await import('node:os')).cpus().length, loadAverageBefore: loadStarted, loadAverageAfter: loadAverage }, raw, pgloader: pgloaderNote ?? pgloader, cutover, targetCeiling: ceiling };
    const ratio = (ours: number, theirs: number | undefined, asPercent: boolean) => (theirs === undefined ? '–' : asPercent ? `${((ours / theirs) * 100).toFixed(0)} %` : `${(ours / theirs).toFixed(2)}×`);
    const line = (label: string, ours: Measurement, ceiling: Measurement, loader: Measurement | undefined) => [
      label, fmt(ours.rows), ours.seconds.toFixed(1), fmt(ours.rowsPerSecond), `${ours.peakRssMb} MB`, ours.peakHeapMb === undefined ? '–' : `${ours.peakHeapMb} MB`, ours.cpuCores!.toFixed(2),
      fmt(ceiling.rowsPerSecond), ratio(ours.rowsPerSecond, ceiling.rowsPerSecond, true),
      loader ? fmt(loader.rowsPerSecond) : '–', loader ? `${loader.peakRssMb} MB` : '–', ratio(ours.rowsPerSecond, loader?.rowsPerSecond, false),
    ];
    const table = ENTITIES.map((entity) => line(entity, cutover.entities[entity]!, raw[entity]!, pgloader[entity]));
    const loaderRuns = Object.values(pgloader);
    const loaderTotal = loaderRuns.length === ENTITIES.length ? { ...sumMeasurements(loaderRuns), peakRssMb: Math.max(...loaderRuns.map((m) => m.peakRssMb!)) } : undefined;
    table.push(line('total', cutover.total, sumMeasurements(Object.values(raw)), loaderTotal));
    process.stdout.write(`\n${renderTable(['entity', 'rows', 'seconds', 'rows/s', 'peak RSS', 'peak heap', 'CPU cores', 'raw pipe rows/s', 'of raw pipe', 'pgloader rows/s', 'pgloader RSS', 'vs pgloader'], table)}\n`);
    const ceilingLine = (label: string, ours: Measurement, asDefined: Measurement, keysAfter: Measurement) => [
      label, fmt(asDefined.rows), fmt(asDefined.rowsPerSecond), fmt(keysAfter.rowsPerSecond), fmt(ours.rowsPerSecond), ratio(ours.rowsPerSecond, asDefined.rowsPerSecond, true),
    ];
    const ceilingTable = ENTITIES.map((entity) => ceilingLine(entity, cutover.entities[entity]!, ceiling[entity]!.asDefined, ceiling[entity]!.keysAfter));
    ceilingTable.push(ceilingLine('total', cutover.total, sumMeasurements(ENTITIES.map((e) => ceiling[e]!.asDefined)), sumMeasurements(ENTITIES.map((e) => ceiling[e]!.keysAfter))));
    process.stdout.write(`\nThe target's own ceiling (rows loaded, one COPY per table, nothing else):\n${renderTable(['entity', 'rows loaded', 'COPY into the tables as defined, rows/s', 'COPY, then keys and indexes, rows/s', 'cutover rows/s', 'cutover of the tables as defined'], ceilingTable)}\n`);
    process.stdout.write(`unaccounted rows: ${cutover.unaccounted}; process peak RSS including the reconciliation: ${cutover.processMaxRssMb} MB (heap cap ${heapMb === 0 ? 'none' : `${heapMb} MB`}); pgloader: ${pgloaderNote ?? 'measured'}; load average before/after the run: ${loadStarted.map((l) => l.toFixed(1)).join(' ')} / ${loadAverage.map((l) => l.toFixed(1)).join(' ')}\n`);
    const out = values.out ?? path.join('bench-results', `bench-${stamp}.json`);
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${out}`);
    return cutover.unaccounted === 0 ? 0 : 1;
  } finally {
    await rm(projectDir, { recursive: true, force: true });
    if (!values.keep) {
      await withMysql(values.mysql, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
      await withPg(values.postgres, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  }
}

/** The ceiling: rows streamed out of MariaDB as TSV straight into COPY, no work in between. */
async function rawPipe(legacyUrl: string, newcrmUrl: string, entity: Entity): Promise<Measurement> {
  const legacy = new URL(legacyUrl);
  const database = legacy.pathname.slice(1);
  const columns = await withMysql(legacyUrl, async (c) => {
    const [rows] = await c.query('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [database, entity]);
    return (rows as { name: string }[]).map((r) => r.name);
  });
  await withPg(newcrmUrl, (c) => c.query(`CREATE SCHEMA IF NOT EXISTS bench_raw; DROP TABLE IF EXISTS bench_raw.${entity}; CREATE UNLOGGED TABLE bench_raw.${entity} (${columns.map((n) => `"${n}" text`).join(', ')})`));
  // mariadb -B escapes tab, newline and backslash as COPY's text format does, but not carriage return.
  const select = `SELECT ${columns.map((n) => `REPLACE(\`${n}\`, CHAR(13), CHAR(92, 114))`).join(', ')} FROM \`${entity}\``;
  const mysqlArgs = ['--quick', '-B', '-N', '--default-character-set=utf8mb4', '-h', legacy.hostname, '-P', legacy.port || '3306', '-u', decodeURIComponent(legacy.username) || 'root', database, '-e', select];
  const started = performance.now();
  await pipe(['mariadb', mysqlArgs, legacy.password ? { MYSQL_PWD: decodeURIComponent(legacy.password) } : {}], ['psql', ['-q', '-v', 'ON_ERROR_STOP=1', newcrmUrl, '-c', `\\copy bench_raw.${entity} FROM STDIN`], {}]);
  const seconds = (performance.now() - started) / 1000;
  const rows = await withPg(newcrmUrl, async (c) => Number((await c.query(`SELECT count(*) AS n FROM bench_raw.${entity}`)).rows[0].n));
  log(`  ${entity}: ${fmt(rows)} rows in ${seconds.toFixed(1)} s`);
  return { rows, seconds, rowsPerSecond: rows / seconds };
}

/** Whether `command` is on the PATH. */
async function installed(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** pgloader MySQL ▸ PostgreSQL on one table (it creates the table and its indexes), RSS of its process tree sampled every 50 ms. */
async function pgloaderRun(legacyUrl: string, targetUrl: string, entity: Entity, workDir: string): Promise<Measurement> {
  const load = path.join(workDir, `pgloader-${entity}.load`);
  await writeFile(
    load,
    `LOAD DATABASE\n  FROM ${legacyUrl}\n  INTO ${targetUrl.replace(/^postgres(ql)?:/, 'postgresql:')}\n` +
      `WITH include drop, create tables, create indexes, reset sequences, prefetch rows = 10000\n` +
      `INCLUDING ONLY TABLE NAMES MATCHING '${entity}';\n`,
  );
  const started = performance.now();
  const child = spawnCommand(['pgloader', ['--root-dir', path.join(workDir, 'pgloader'), load], {}], ['ignore', 'pipe', 'pipe']);
  // pgloader reports its errors on stdout: keep the tail for the message.
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  let peak = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peak = Math.max(peak, treeRss(child.pid));
  }, 50);
  try {
    await finished(child, 'pgloader');
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output.trim()}`);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = await withPg(targetUrl, async (c) => {
    const schema = (await c.query('SELECT table_schema FROM information_schema.tables WHERE table_name = $1', [entity])).rows[0]?.table_schema as string | undefined;
    if (schema === undefined) throw new Error(`pgloader did not create ${entity}`);
    return Number((await c.query(`SELECT count(*) AS n FROM "${schema}"."${entity}"`)).rows[0].n);
  });
  log(`  ${entity}: ${fmt(rows)} rows in ${seconds.toFixed(1)} s, peak RSS ${mb(peak)} MB`);
  return { rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: mb(peak) };
}

/** Resident set of `pid` and its descendants, bytes (Linux /proc; 0 once the process is gone). */
function treeRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    let total = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) total += treeRss(Number(child));
    }
    return total;
  } catch {
    return 0;
  }
}

/** `producer | consumer`, failing when either fails. */
function pipe(producer: Command, consumer: Command): Promise<void> {
  const left = spawnCommand(producer, ['ignore', 'pipe', 'pipe']);
  const right = spawnCommand(consumer, ['pipe', 'ignore', 'pipe']);
  left.stdout!.pipe(right.stdin!);
  return Promise.all([finished(left, producer[0]), finished(right, consumer[0])]).then(() => undefined);
}

function sumMeasurements(measurements: readonly Measurement[]): Measurement {
  const rows = measurements.reduce((sum, m) => sum + m.rows, 0);
  const seconds = measurements.reduce((sum, m) => sum + m.seconds, 0);
  return { rows, seconds, rowsPerSecond: rows / seconds };
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
