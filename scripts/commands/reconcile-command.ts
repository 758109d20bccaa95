import { writeFile } from 'node:fs/promises';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { reconcileContent, type EntityContent } from '../../pipelines/reconcile/content.js';
import { reconcileCounts } from '../../pipelines/reconcile/counts.js';
import { renderContent, renderReconciliation } from '../../pipelines/reports/terminal.js';
import { print, withSession, type GlobalOptions } from './command-context.js';

export const RECONCILE_FORMATS = ['terminal', 'json'] as const;
export type ReconcileFormat = (typeof RECONCILE_FORMATS)[number];

/**
 * `cutover reconcile`: source against state and target, by counts; with `content`, also every
 * owned target row's values against the source. Exit 0 reconciled, 1 differences, 2 could not run.
 */
export function reconcileCommand(options: GlobalOptions, entities: readonly string[], flags: { format: ReconcileFormat; out: string | undefined; content: boolean }): Promise<ExitCode> {
  return withSession(options, async (context, session) => {
    const reconciliation = await reconcileCounts(session, entities);
    const content: EntityContent[] = [];
    if (flags.content) for (const mapping of context.project.entities.filter((m) => entities.length === 0 || entities.includes(m.entity))) content.push(await reconcileContent(session, mapping));
    const reconciled = reconciliation.reconciled && content.every((entity) => entity.differingRows === 0);
    const text =
      flags.format === 'json'
        ? `${JSON.stringify(flags.content ? { ...reconciliation, reconciled, content } : reconciliation, null, 2)}\n`
        : `${renderReconciliation(reconciliation)}${flags.content ? `\n${renderContent(content)}` : ''}`;
    if (flags.out) await writeFile(flags.out, text);
    else print(text);
    return reconciled ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  });
}
