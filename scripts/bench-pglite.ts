#!/usr/bin/env node
/**
 * `npm run bench:pglite`: the embedded default's memory and speed. Runs the built command line as
 * a user does, in a child process, and samples its resident high-water mark (`VmHWM`) and that of
 * the process it starts to create a new PGlite folder, for the demo (25,000 rows from the export
 * files) and for N rows per entity MariaDB ▸ PGlite (seeded as `npm run bench` seeds them).
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packagePath } from '../pipelines/package-root.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { seedBench } from './bench-cutover.js';
import { writeLegacyExport } from './legacy-crm/write-export.js';
import { fmt, log, withDatabase, withMysql } from './bench-support.js';
import { canSampleProcesses, samplePeak, type ProcessPeak } from './process-peak.js';

const SCENARIOS = ['demo', 'mysql'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `npm run bench:pglite -- [options]

Peak resident memory and throughput of cutover into its embedded PGlite database, the command
line run in a child process: the demo (25,000 rows from the export files), then N rows per
entity MariaDB ▸ PGlite with mappings/example.

Options:
  --rows N          rows per entity from MariaDB (default 1000000; a multiple of 50,000 keeps the sample's ratios)
  --only NAME       one scenario: ${SCENARIOS.join(' or ')}
  --generated N     rows per entity the generator writes before the SQL copies (default 50000)
  --mysql URL       MariaDB admin URL (default $CUTOVER_BENCH_MYSQL_URL or mysql://root@127.0.0.1:3306/test)
  --max-heap MB     passed to the command line (default: its own)
  --out FILE        JSON results (default bench-results/bench-pglite-<time>.json)
  -h, --help        this text
`;

interface PgliteMeasurement extends ProcessPeak {
  readonly scenario: Scenario;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly exitCode: number | null;
  readonly loadAverage: readonly number[];
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      only: { type: 'string' },
      generated: { type: 'string', default: '50000' },
      mysql: { type: 'string', default: process.env.CUTOVER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
      'max-heap': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!canSampleProcesses()) throw new Error('needs /proc (Linux) to sample the resident memory of the command line');
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 100) throw new Error(`Expected \`--rows\` to be an integer ≥ 100, got \`${values.rows}\``);
  if (values.only !== undefined && !SCENARIOS.includes(values.only as Scenario)) {
    throw new Error(`Expected \`--only\` to be one of ${SCENARIOS.join(', ')}, got \`${values.only}\``);
  }
  const scenarios = values.only === undefined ? SCENARIOS : [values.only as Scenario];
  const heapArgs = values['max-heap'] === undefined ? [] : ['--max-heap', values['max-heap']];
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  const results: PgliteMeasurement[] = [];

  if (scenarios.includes('demo')) {
    const dir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-pglite-'));
    try {
      // The export is written first, apart, so that the generator is not measured.
      log('demo: generating the export');
      await writeLegacyExport(path.join(dir, 'legacy-export'), { seed: 42 });
      log('demo: 25,000 rows from the export files into a new PGlite folder');
      results.push(await measured('demo', 25_000, ['demo', '--dir', dir, '--quiet', ...heapArgs], {}));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  if (scenarios.includes('mysql')) {
    const name = `cutover_bench_pglite_${stamp}_${process.pid}`;
    const legacyUrl = withDatabase(values.mysql, name);
    const projectDir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-pglite-'));
    await withMysql(values.mysql, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
    try {
      log(`mysql: seeding ${fmt(rows)} rows per entity into MariaDB ${name}`);
      await seedBench(legacyUrl, rows, values.generated);
      await cp(packagePath('mappings', 'example'), projectDir, { recursive: true });
      log(`mysql: ${fmt(rows * 3)} rows MariaDB ▸ PGlite`);
      const env = { LEGACY_URL: legacyUrl, NEWCRM_URL: 'pglite://./.cutover/newcrm' };
      results.push(await measured('mysql', rows * 3, ['run', '-p', projectDir, '--full', '--quiet', ...heapArgs], env));
      const reconciled = await runCli(['reconcile', '-p', projectDir, '--counts-only', ...heapArgs], env);
      if (reconciled !== 0) log(`mysql: reconcile exited ${reconciled}: some rows are unaccounted for`);
    } finally {
      await rm(projectDir, { recursive: true, force: true });
      await withMysql(values.mysql, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
    }
  }

  const table = results.map((r) => [
    r.scenario, fmt(r.rows), r.seconds.toFixed(1), fmt(r.rowsPerSecond), `${r.mainMb} MB`, r.childrenMb === 0 ? '–' : `${r.childrenMb} MB`, r.loadAverage.map((l) => l.toFixed(1)).join(' '), String(r.exitCode),
  ]);
  process.stdout.write(`\n${renderTable(['scenario', 'rows', 'seconds', 'rows/s', 'peak RSS', 'creating the folder', 'load average after', 'exit'], table)}\n`);
  const out = values.out ?? path.join('bench-results', `bench-pglite-${stamp}.json`);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  log(`results written to ${out}`);
  return results.every((r) => r.exitCode === 0) ? 0 : 1;
}

/** One command line run, timed, with the peaks of its process and of the ones it starts sampled every 50 ms. */
async function measured(scenario: Scenario, rows: number, args: string[], env: Record<string, string>): Promise<PgliteMeasurement> {
  const started = performance.now();
  let peak: { stop(): ProcessPeak } | null = null;
  const exitCode = await runCli(args, env, (pid) => (peak = samplePeak(pid)));
  const seconds = (performance.now() - started) / 1000;
  const { mainMb, childrenMb } = (peak as { stop(): ProcessPeak } | null)?.stop() ?? { mainMb: 0, childrenMb: 0 };
  return { scenario, rows, seconds, rowsPerSecond: rows / seconds, mainMb, childrenMb, exitCode, loadAverage: loadavg() };
}

function runCli(args: string[], env: Record<string, string>, onStart?: (pid: number) => void): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [packagePath('dist', 'scripts', 'cli.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    if (child.pid !== undefined) onStart?.(child.pid);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) log(`cutover ${args[0]} exited ${code}: ${stderr.trim()}`);
      resolve(code);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench:pglite: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
