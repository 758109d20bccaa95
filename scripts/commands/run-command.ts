import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderRunSummary } from '../../pipelines/reports/terminal.js';
import { runProject } from '../../pipelines/runner/run-project.js';
import { unaccounted } from '../../pipelines/state/ledger.js';
import { installStopHandlers, print, withContext, type GlobalOptions } from './command-context.js';

/** `cutover run [entity…] [--full] [--detect-deletes]`: moves what changed since the last run (everything the first time). */
export function runCommand(options: GlobalOptions, entities: readonly string[], flags: { full: boolean; detectDeletes: boolean; waitMs?: number | null }): Promise<ExitCode> {
  return withContext(options, async ({ project, log, progress }) => {
    const stop = installStopHandlers(log);
    try {
      const summary = await runProject(project, { entities, full: flags.full, detectDeletes: flags.detectDeletes, log, observer: progress, signal: stop.signal, stopRequested: stop.stopRequested, waitMs: flags.waitMs ?? 0 });
      progress.clear();
      print(renderRunSummary(summary));
      return summary.ledgers.every((l) => unaccounted(l) === 0) ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
    } finally {
      stop.dispose();
    }
  });
}
