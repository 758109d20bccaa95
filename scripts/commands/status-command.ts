import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { unaccounted } from '../../pipelines/state/ledger.js';
import { describeRunInProgress, runInProgress, waitForRunToEnd } from '../../pipelines/session/run-in-progress.js';
import { print, withSession, type GlobalOptions } from './command-context.js';

/**
 * `cutover status`: recent runs, the last run's ledger, and where each entity's watermark stands.
 * A run in progress is named on top (its numbers are as of its last committed batch); `waitMs`
 * waits for it to end first.
 */
export function statusCommand(options: GlobalOptions, flags: { json: boolean; merges: boolean; entity: string | undefined; waitMs: number | null }): Promise<ExitCode> {
  return withSession(options, async (context, session) => {
    if (flags.waitMs !== null) await waitForRunToEnd(session, { timeoutMs: flags.waitMs, log: context.log, what: 'the status follows' });
    const inProgress = await runInProgress(session);
    if (flags.merges) {
      // Which legacy records share a target row, and why: the survivor (anchor) with each record merged into it.
      const merges = await session.state.dedupe.merges(flags.entity);
      if (flags.json) print(JSON.stringify(merges, null, 2));
      else if (merges.length === 0) print('No merges.');
      else print(renderTable(['entity', 'survivor', 'merged record', 'rule', 'score', 'run', 'merged at'], merges.map((m) => [m.entity, m.anchorKey, m.key, m.rule, m.score.toFixed(3), String(m.runId), shownTime(m.mergedAt)])));
      return EXIT_CODES.reconciled;
    }
    const runs = await session.state.runs(10);
    const lastLedger = runs[0] ? await session.state.ledger(runs[0].runId) : [];
    const entities = [];
    for (const mapping of context.project.entities) {
      const counts = await session.state.counts(mapping.entity);
      entities.push({ entity: mapping.entity, watermark: await session.state.getWatermark(mapping.entity), ...counts });
    }
    if (flags.json) {
      print(JSON.stringify({ runs, lastRun: lastLedger, entities, inProgress }, null, 2));
      return EXIT_CODES.reconciled;
    }
    print(`Project ${context.project.name} (${context.project.target.connection.url.redacted})\n`);
    if (inProgress) {
      const last = inProgress.ledger.map((l) => l.lastCommitAt).filter((at): at is string => at !== null).sort().at(-1);
      print(`IN PROGRESS: ${describeRunInProgress(inProgress)}; the numbers below are as of its last committed batch${last ? ` (${shownTime(last)})` : ''}.\n`);
    }
    print(
      runs.length === 0
        ? 'No runs yet: start with `cutover run`.'
        : renderTable(
            ['run', 'mode', 'status', 'started', 'finished', 'entities', 'error'],
            runs.map((r) => [String(r.runId), r.mode, r.status, shownTime(r.startedAt), r.finishedAt ? shownTime(r.finishedAt) : '', r.entities.join(', '), r.error ?? '']),
          ),
    );
    if (lastLedger.length > 0) {
      print(`\nLedger of run ${runs[0]!.runId}:\n`);
      print(
        renderTable(
          ['entity', 'status', 'batches', 'read', 'inserted', 'updated', 'unchanged', 'merged', 'rejected', 'filtered', 'unaccounted'],
          lastLedger.map((l) => [l.entity, l.status, l.batches, l.read, l.inserted, l.updated, l.unchanged, l.merged, l.rejected, l.filtered, unaccounted(l)]),
        ),
      );
    }
    print('\nState per entity:\n');
    print(
      renderTable(
        ['entity', 'loaded', 'merged', 'filtered', 'rejected', 'deleted', 'target rows', 'deletions pending', 'watermark'],
        entities.map((e) => [
          e.entity,
          e.byStatus.loaded,
          e.byStatus.merged,
          e.byStatus.filtered,
          e.rejects,
          e.byStatus.deleted,
          e.ownedRows,
          e.pendingDeletions,
          e.watermark ? `${String(e.watermark.cursor)} / ${String(e.watermark.key)}` : '-',
        ]),
      ),
    );
    return EXIT_CODES.reconciled;
  });
}

/** `2026-12-06T22:35:54.169Z` as the tables show it: `2026-12-06 22:35:54` (UTC). */
function shownTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}
