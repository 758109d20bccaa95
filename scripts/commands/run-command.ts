import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderRunSummary } from '../../pipelines/reports/terminal.js';
import type { RunSummary } from '../../pipelines/runner/run-project.js';
import { runProject } from '../../pipelines/runner/run-project.js';
import { unaccounted } from '../../pipelines/state/ledger.js';
import { installStopHandlers, print, withContext, type GlobalOptions } from './command-context.js';

/** `cutover run [entity…] [--full] [--detect-deletes]`: moves what changed since the last run (everything the first time). */
export function runCommand(options: GlobalOptions, entities: readonly string[], flags: { full: boolean; detectDeletes: boolean; waitMs?: number | null; json?: boolean }): Promise<ExitCode> {
  return withContext(options, async ({ project, log, progress }) => {
    const stop = installStopHandlers(log);
    try {
      const summary = await runProject(project, {
        entities,
        full: flags.full,
        detectDeletes: flags.detectDeletes,
        log,
        observer: progress,
        signal: stop.signal,
        stopRequested: stop.stopRequested,
        waitMs: flags.waitMs ?? 0,
        resumeCommand: options.commandLine,
      });
      progress.clear();
      print(flags.json ? JSON.stringify(runJson(summary), null, 2) : renderRunSummary(summary));
      return summary.ledgers.every((l) => unaccounted(l) === 0) ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
    } finally {
      stop.dispose();
    }
  });
}

/**
 * A finished run for scripts: its id, mode and status, whether every row is accounted for, and the
 * ledger per entity with its unaccounted count. (A run that stops prints nothing on stdout: its
 * message is on stderr and the exit code says how it ended.)
 */
export function runJson(summary: RunSummary) {
  const entities = summary.ledgers.map((ledger) => ({ ...ledger, unaccounted: unaccounted(ledger) }));
  return {
    runId: summary.runId,
    mode: summary.mode,
    status: 'succeeded' as const,
    accounted: entities.every((entity) => entity.unaccounted === 0),
    seconds: Math.round(summary.seconds * 1000) / 1000,
    entities,
  };
}
