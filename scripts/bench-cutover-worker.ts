/**
 * The benchmarks' cutover run, in a worker thread with the same heap cap as the command line
 * (heap-limit.ts): the bench's main thread samples the whole process's resident set while this
 * thread migrates, then reconciles, reporting each entity's start and end.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { loadProject } from '../pipelines/config/load-project.js';
import { createLogger } from '../pipelines/logger.js';
import { reconcileCounts } from '../pipelines/reconcile/counts.js';
import { ProjectSession } from '../pipelines/session/project-session.js';
import { runProject } from '../pipelines/runner/run-project.js';
import type { LedgerCounts } from '../pipelines/state/ledger.js';

export interface BenchRunInput {
  readonly projectDir: string;
  readonly legacyUrl: string;
  readonly newcrmUrl: string;
  /** From the beginning (`run --full`), or from the watermarks (an incremental run). */
  readonly full: boolean;
}

export type BenchRunEvent =
  | { readonly type: 'entityStarted'; readonly entity: string }
  | { readonly type: 'entityFinished'; readonly entity: string; readonly totals: LedgerCounts; readonly peakHeapBytes: number }
  | { readonly type: 'runFinished' }
  | { readonly type: 'reconciled'; readonly unaccounted: number; readonly sourceRows: number };

async function benchRun({ projectDir, legacyUrl, newcrmUrl, full }: BenchRunInput): Promise<void> {
  const post = (event: BenchRunEvent) => parentPort!.postMessage(event);
  const project = await loadProject(projectDir, { env: { LEGACY_URL: legacyUrl, NEWCRM_URL: newcrmUrl } });
  const logger = createLogger({ file: path.join(projectDir, 'bench.log'), terminal: null });
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size)), 50);
  try {
    await runProject(project, {
      log: logger,
      full,
      observer: {
        entityStarted: (entity) => {
          peakHeap = 0;
          post({ type: 'entityStarted', entity });
        },
        entityFinished: (entity, totals) => post({ type: 'entityFinished', entity, totals: { ...totals }, peakHeapBytes: peakHeap }),
      },
    });
  } finally {
    clearInterval(sampler);
  }
  post({ type: 'runFinished' });
  const session = await ProjectSession.open(project, logger);
  try {
    const reconciliation = await reconcileCounts(session);
    post({
      type: 'reconciled',
      unaccounted: reconciliation.entities.reduce((sum, e) => sum + Math.abs(e.unaccounted), 0),
      sourceRows: reconciliation.entities.reduce((sum, e) => sum + e.source, 0),
    });
  } finally {
    await session.close();
  }
}

// A failure ends the worker with it: the bench's main thread gets it as the worker's 'error' event.
if (parentPort) void benchRun(workerData as BenchRunInput);
