/**
 * What `npm run bench` and `npm run bench:incremental` share: the seeded source (in a child
 * process) and a cutover run as the command line runs it, timed and sampled per entity.
 */
import { Worker } from 'node:worker_threads';
import { packagePath } from '../pipelines/package-root.js';
import { addLedger, emptyLedger, type LedgerCounts } from '../pipelines/state/ledger.js';
import type { BenchRunEvent, BenchRunInput } from './bench-cutover-worker.js';
import { finished, fmt, log, spawnCommand } from './bench-support.js';
import { workerLimits } from './heap-limit.js';

export const BENCH_ENTITIES = ['customers', 'opportunities', 'tickets'] as const;
export type BenchEntity = (typeof BENCH_ENTITIES)[number];

export interface Measurement {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Peak resident set size of the process (all its threads) while the step ran, MB. */
  peakRssMb?: number;
  /** Peak V8 heap in use by the run's thread (live objects and garbage not yet collected) while the step ran, MB. */
  peakHeapMb?: number;
  /** CPU time of this process (user + system) over wall time; 2.0 = both cores busy. */
  cpuCores?: number;
  /** Where cutover's rows went (inserted, merged, rejected, filtered, …). */
  ledger?: Readonly<LedgerCounts>;
}

export interface CutoverRunResult {
  readonly entities: Partial<Record<BenchEntity, Measurement>>;
  /** The run from the worker's start (project loaded, connections opened) to the run's end (review files written); the reconciliation after it is not counted. */
  readonly total: Measurement;
  /** Source rows the reconciliation could not account for, over every entity (0 when all is well). */
  readonly unaccounted: number;
  /** The process's resident high-water mark so far, reconciliation included, MB. */
  readonly processMaxRssMb: number;
}

/**
 * Seeds `rows` rows per entity (bench-seed.ts) into the database named by `legacyUrl`, in a child
 * process, so that the generator's memory does not count as cutover's.
 */
export async function seedBench(legacyUrl: string, rows: number, generated: string | number): Promise<void> {
  const seed = spawnCommand([process.execPath, [packagePath('dist', 'scripts', 'bench-seed.js'), '--url', legacyUrl, '--rows', String(rows), '--generated', String(generated)], {}], ['ignore', 'ignore', 'pipe']);
  await finished(seed, 'bench-seed');
}

/**
 * One run of every entity (`full`: from the beginning; otherwise from the watermarks), as the
 * command line runs it: in a worker thread with the same heap cap, timed per entity, with the
 * process's RSS (both threads) sampled every 50 ms, then reconciled.
 */
export async function cutoverRun(input: BenchRunInput, heapMb: number): Promise<CutoverRunResult> {
  const entities: Partial<Record<BenchEntity, Measurement>> = {};
  let current: { entity: BenchEntity; started: number; cpu: NodeJS.CpuUsage; peak: number } | null = null;
  const sampler = setInterval(() => {
    if (current) current.peak = Math.max(current.peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let runSeconds = Number.NaN;
  let reconciled: { unaccounted: number; sourceRows: number } | null = null;
  const worker = new Worker(new URL('./bench-cutover-worker.js', import.meta.url), { workerData: input, resourceLimits: heapMb > 0 ? workerLimits(heapMb) : {} });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (event: BenchRunEvent) => {
        if (event.type === 'entityStarted') current = { entity: event.entity as BenchEntity, started: performance.now(), cpu: process.cpuUsage(), peak: process.memoryUsage.rss() };
        else if (event.type === 'entityFinished' && current) {
          const seconds = (performance.now() - current.started) / 1000;
          const cpu = process.cpuUsage(current.cpu);
          const rows = event.totals.read;
          entities[event.entity as BenchEntity] = { rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: mb(current.peak), peakHeapMb: mb(event.peakHeapBytes), cpuCores: (cpu.user + cpu.system) / 1e6 / seconds, ledger: event.totals };
          log(`  ${event.entity}: ${fmt(rows)} rows in ${seconds.toFixed(1)} s, peak RSS ${mb(current.peak)} MB, peak heap ${mb(event.peakHeapBytes)} MB`);
          current = null;
        } else if (event.type === 'runFinished') runSeconds = (performance.now() - started) / 1000;
        else if (event.type === 'reconciled') reconciled = event;
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the cutover run's worker exited with code ${code}`))));
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = runSeconds;
  const cpu = process.cpuUsage(cpuStart);
  const measured = Object.values(entities);
  const rows = measured.reduce((sum, m) => sum + m.rows, 0);
  const { unaccounted, sourceRows } = reconciled ?? { unaccounted: Number.NaN, sourceRows: Number.NaN };
  if (input.full && sourceRows !== rows) log(`warning: the source holds ${sourceRows} rows, the run read ${rows}`);
  const total: Measurement = {
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb: Math.max(...measured.map((m) => m.peakRssMb ?? 0)),
    peakHeapMb: Math.max(...measured.map((m) => m.peakHeapMb ?? 0)),
    // Over the whole worker, reconciliation included: the sampler has no finer mark for the run's end.
    cpuCores: (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000),
    ledger: measured.reduce((sum, m) => addLedger(sum, m.ledger ?? emptyLedger()), emptyLedger()),
  };
  // The process's high-water mark also covers the reconciliation after the run (and whatever ran before it).
  return { entities, total, unaccounted, processMaxRssMb: mb(process.resourceUsage().maxRSS * 1024) };
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
