import { replaceFile } from '../../connectors/file/replace-file.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { reconcileContent, type EntityContent } from '../../pipelines/reconcile/content.js';
import { reconcileCounts } from '../../pipelines/reconcile/counts.js';
import { assembleReconcileReport } from '../../pipelines/reports/reconcile-report.js';
import { renderReconciliation, renderRunSummary, renderValues } from '../../pipelines/reports/terminal.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { runProject } from '../../pipelines/runner/run-project.js';
import { unaccounted } from '../../pipelines/state/ledger.js';
import { installStopHandlers, print, withContext, type GlobalOptions } from './command-context.js';

/**
 * `cutover final`: the cutover gate. A last incremental sync that also finds rows deleted from the
 * source, then a full reconciliation: counts, and every owned target row's values against the
 * source. Exit 0 only when every entity reconciles (unaccounted = 0, the target holds exactly the
 * rows the state says, no value differs) and no deletion is left undone; 1 otherwise.
 */
export function finalCommand(options: GlobalOptions, flags: { json: boolean; out: string | undefined; waitMs: number | null }): Promise<ExitCode> {
  return withContext(options, async ({ project, log, progress }) => {
    const stop = installStopHandlers(log);
    let summary;
    try {
      // Its own run takes the lock: a run in progress is named and refused, or (waitMs) waited for.
      summary = await runProject(project, { detectDeletes: true, log, observer: progress, signal: stop.signal, stopRequested: stop.stopRequested, waitMs: flags.waitMs ?? 0, resumeCommand: options.commandLine });
    } finally {
      stop.dispose();
    }
    progress.clear();
    const session = await ProjectSession.open(project, log);
    try {
      const reconciliation = await reconcileCounts(session);
      const pending: { entity: string; deletions: number }[] = [];
      for (const mapping of project.entities) {
        const deletions = (await session.state.counts(mapping.entity)).pendingDeletions;
        if (deletions > 0) pending.push({ entity: mapping.entity, deletions });
      }
      const content: EntityContent[] = [];
      for (const mapping of project.entities) content.push(await reconcileContent(session, mapping, { limit: 20 }));
      const differing = content.filter((entity) => entity.differingRows > 0);
      const balanced = summary.ledgers.every((ledger) => unaccounted(ledger) === 0);
      const ready = balanced && reconciliation.reconciled && pending.length === 0 && differing.length === 0;
      const report = { ready, run: summary, reconciliation, content, pendingDeletions: pending };
      const verdict = ready
        ? 'READY: the last sync moved everything and the new CRM agrees with the legacy CRM.'
        : `NOT READY: ${[
            !reconciliation.reconciled ? 'the reconciliation differs (rows marked DIFFERS)' : '',
            !balanced ? 'the last sync left rows unaccounted' : '',
            ...differing.map((entity) => `${entity.differingRows} ${entity.entity} rows differ from the source`),
            ...pending.map((p) => `${p.deletions} ${p.entity} deleted in the legacy CRM are still in the target (the target refused; see \`cutover status\`)`),
          ]
            .filter(Boolean)
            .join('; ')}.`;
      const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderRunSummary(summary)}\n${renderReconciliation(reconciliation)}\n${renderValues(assembleReconcileReport({ reconciliation, content, rejects: new Map() }).entities)}\n\n${verdict}\n`;
      if (flags.out) await replaceFile(flags.out, text);
      else print(text);
      return ready ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
    } finally {
      await session.close();
    }
  });
}
