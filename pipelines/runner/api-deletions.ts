/**
 * `on_delete` on an HTTP API target: records queued for deletion are deleted by their API id
 * (`target.api.delete`), records queued for archiving get the archive field set by an update by
 * external id. The API acts first; the state records it afterwards, in one transaction per page
 * (STYLE 4). A crash between the two repeats the page next run: deleting a record already gone and
 * archiving one already archived change nothing more.
 */
import type { ApiSink } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { emptyLedger } from '../state/ledger.js';
import type { PendingAction } from '../state/deletion-store.js';
import { pendingActionPages, type DeletionContext } from './deletions.js';
import type { ProjectSession } from './project-session.js';

const PAGE_SIZE = 1_000;

export async function applyPendingActionsThroughApi(session: ProjectSession, sink: ApiSink, mapping: EntityMapping, context: DeletionContext): Promise<number> {
  const action = mapping.onDelete;
  if (action === 'ignore') return 0;
  const { state, stateSink } = session;
  const entity = mapping.entity;
  const call = { signal: context.signal, idempotencyScope: `run ${context.runId}` };
  let total = 0;
  let refusedTotal = 0;
  for await (const page of pendingActionPages(session, entity, context, PAGE_SIZE)) {
    const refusals: { legacyKey: string; reason: string }[] = [];
    if (action === 'delete') {
      if (!sink.delete) throw new Error(`${mapping.file}: \`on_delete: delete\` needs \`target.api.delete\` (the configuration check should have said so)`);
      const outcomes = await sink.delete(mapping.target, page.map((entry) => entry.targetId), call);
      outcomes.forEach((outcome, index) => {
        if (!outcome.ok) refusals.push({ legacyKey: page[index]!.legacyKey, reason: outcome.reason ?? 'refused' });
      });
    } else {
      const archivedAt = new Date().toISOString();
      const outcomes = await sink.patch(mapping.target, page.map((entry) => ({ [mapping.target.key]: entry.legacyKey, [mapping.archiveColumn!]: archivedAt })), call);
      outcomes.forEach((outcome, index) => {
        if (!outcome.ok) refusals.push({ legacyKey: page[index]!.legacyKey, reason: outcome.reason });
      });
    }
    const refusedKeys = new Set(refusals.map((refusal) => refusal.legacyKey));
    const done: { legacyKey: string; action: PendingAction }[] = page.filter((entry) => !refusedKeys.has(entry.legacyKey)).map((entry) => ({ legacyKey: entry.legacyKey, action }));
    await context.retry(`recording ${page.length} ${entity} ${action === 'delete' ? 'deleted' : 'archived'}`, () =>
      stateSink.transaction(async (tx) => {
        await state.deletions.settlePending(tx.db, entity, done);
        await state.deletions.notePendingRefused(
          tx.db,
          entity,
          refusals.map(({ legacyKey, reason }) => ({ legacyKey, reason: `deleted in the legacy CRM; the API refused to ${action} its record: ${reason}` })),
        );
        await state.addToLedger(tx.db, context.runId, entity, { ...emptyLedger(), deleted: done.length }, { batch: false });
      }),
    );
    total += done.length;
    refusedTotal += refusals.length;
  }
  if (total > 0) context.log.info({ entity, deleted: total }, `${total} ${entity} ${action === 'archive' ? 'archived' : 'deleted'} through the API`);
  if (refusedTotal > 0) {
    context.log.warn({ entity, refused: refusedTotal }, `${refusedTotal} ${entity} deleted in the legacy CRM are still in the API: it refused to ${action} them (see \`cutover status\`); they are tried again on the next run`);
  }
  return total;
}
