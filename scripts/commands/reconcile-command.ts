import { mkdir } from 'node:fs/promises';
import { replaceFile } from '../../connectors/file/replace-file.js';
import path from 'node:path';
import { EXIT_CODES, RunError, type ExitCode } from '../../pipelines/errors.js';
import { BINARY_REPORT_FORMATS, renderReport } from '../../pipelines/reports/report-formats.js';
import { buildReconcileReport } from '../../pipelines/reports/reconcile-report.js';
import { runInProgress, waitForRunToEnd } from '../../pipelines/session/run-in-progress.js';
import { print, reportFailure, withSession, type GlobalOptions } from './command-context.js';

import type { ReconcileFormat } from './command-formats.js';

export interface ReconcileFlags {
  readonly format: ReconcileFormat;
  /** File to write the report to; stdout when absent (refused for binary formats on a terminal). */
  readonly out: string | undefined;
  /** Counts only: skip the value-by-value comparison. @default false */
  readonly countsOnly: boolean;
  /** With a run in progress: wait this long (ms) for it to end, then reconcile; null answers at once, as of its last committed batch. */
  readonly waitMs: number | null;
}

/**
 * `cutover reconcile`: source against state and target, by counts and (unless `countsOnly`)
 * every owned target row's values against the source; one report in the chosen format.
 * Exit 0 reconciled, 1 differences (counts or values), 2 could not run, or a run in progress left
 * something out (never 1 for rows that run has not read yet).
 */
export async function reconcileCommand(options: GlobalOptions, entities: readonly string[], flags: ReconcileFlags): Promise<ExitCode> {
  // Checked before connecting: a reconciliation can take minutes, a refusal should not.
  if (BINARY_REPORT_FORMATS.includes(flags.format) && !flags.out && process.stdout.isTTY) {
    return reportFailure(new RunError(`--format ${flags.format} is a binary file and stdout is a terminal`, { hint: `give --out FILE, e.g. --out reconciliation.${flags.format}` }));
  }
  return withSession(options, async (context, session) => {
    if (flags.waitMs !== null) await waitForRunToEnd(session, { timeoutMs: flags.waitMs, log: context.log, what: 'reconciling' });
    const inProgress = await runInProgress(session);
    const report = await buildReconcileReport(session, entities, { scope: flags.countsOnly ? 'counts' : 'counts and values', inProgress });
    const rendered = await renderReport(report, flags.format);
    if (flags.out) {
      await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
      await replaceFile(flags.out, rendered);
      if (!options.quiet) {
        const size = typeof rendered === 'string' ? Buffer.byteLength(rendered) : rendered.length;
        process.stderr.write(`Report written to ${path.relative(process.cwd(), flags.out) || flags.out} (${flags.format}, ${(size / 1024).toFixed(1)} KiB): ${report.reconciled ? 'reconciled' : 'NOT reconciled'}\n`);
      }
    } else if (typeof rendered === 'string') print(rendered);
    else process.stdout.write(rendered);
    if ((report.inProgress?.notCompared.length ?? 0) > 0) return EXIT_CODES.couldNotRun;
    return report.reconciled ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  });
}
