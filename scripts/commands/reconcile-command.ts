import { writeFile } from 'node:fs/promises';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { reconcileCounts } from '../../pipelines/reconcile/counts.js';
import { renderReconciliation } from '../../pipelines/reports/terminal.js';
import { print, withSession, type GlobalOptions } from './command-context.js';

export const RECONCILE_FORMATS = ['terminal', 'json'] as const;
export type ReconcileFormat = (typeof RECONCILE_FORMATS)[number];

/** `cutover reconcile`: source against state and target, by counts. Exit 0 reconciled, 1 differences, 2 could not run. */
export function reconcileCommand(options: GlobalOptions, entities: readonly string[], flags: { format: ReconcileFormat; out: string | undefined }): Promise<ExitCode> {
  return withSession(options, async (context, session) => {
    const reconciliation = await reconcileCounts(session, entities);
    const text = flags.format === 'json' ? `${JSON.stringify(reconciliation, null, 2)}\n` : renderReconciliation(reconciliation);
    if (flags.out) await writeFile(flags.out, text);
    else print(text);
    return reconciliation.reconciled ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  });
}
