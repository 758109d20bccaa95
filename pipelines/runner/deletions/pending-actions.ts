/**
 * Deletions in the legacy CRM reach the target here, after the entities' rows moved and children
 * before parents: target rows queued by hard deletes (detect-deletes.ts) or by soft deletes are
 * deleted or archived as the mapping's `on_delete` says. A delete the target refuses (a parent
 * still referenced) stays queued with the reason, and is tried again by the next run.
 *
 * Where the state is in the target, a page's writes and its state commit in one transaction;
 * elsewhere the target acts first and the state records it afterwards, one transaction per page
 * (STYLE 4): a crash between the two repeats the page next run, and deleting a row already gone or
 * archiving one already archived changes nothing more.
 */
import type { SinkWriter, StateTransaction } from '../../../connectors/sink.js';
import type { EntityMapping } from '../../../transforms/entity-mapping.js';
import { RunError } from '../../errors.js';
import { emptyLedger } from '../../state/ledger.js';
import type { PendingAction } from '../../state/deletion-store.js';
import type { ProjectSession } from '../../session/project-session.js';
import { stateOf, writeOptions } from '../commit/sink-writes.js';
import type { DeletionContext } from './deletion-context.js';

/** Rows per page of deletes and archives: one write, and one state transaction, each. */
const PAGE_SIZE = 5_000;
/** Rows per page to a target that is not transactional (an API): the state records each page. */
const PAGE_SIZE_UNTRANSACTED = 1_000;

/** The target rows queued for deletion or archiving, a page at a time in legacy-key order. */
export async function* pendingActionPages(session: ProjectSession, entity: string, context: DeletionContext, pageSize: number) {
  let after: string | null = null;
  for (;;) {
    const page = await context.retry('reading pending deletions', () => session.state.deletions.pendingActionsPage(entity, after, pageSize));
    if (page.length === 0) return;
    after = page[page.length - 1]!.legacyKey;
    yield page;
  }
}

/** What the target did with one page: rows changed, and the keys it refused with its reason. */
interface PageOutcome {
  readonly changed: number;
  readonly refusals: readonly { legacyKey: string; reason: string }[];
}

/** Deletes or archives the target rows queued for `mapping`; returns the rows changed. */
export async function applyPendingActions(session: ProjectSession, mapping: EntityMapping, context: DeletionContext): Promise<number> {
  // The mapping as it is now decides; rows queued under an earlier `on_delete` wait while it says `ignore`.
  const action = mapping.onDelete;
  if (action === 'ignore') return 0;
  const { state, sink, stateDatabase } = session;
  if (action === 'delete' && !sink.capabilities.deletes) {
    throw new RunError(`${mapping.file}: \`on_delete: delete\` needs a target that deletes rows, and ${sink.endpoint} does not`, {
      hint: 'declare `target.api.delete` in cutover.yaml, or use `on_delete: archive` or `ignore`',
    });
  }
  const entity = mapping.entity;
  const inTarget = sink.capabilities.state === 'target';
  const call = writeOptions(context);
  const act = async (writer: SinkWriter, page: readonly { legacyKey: string; targetId: string }[]): Promise<PageOutcome> => {
    if (action === 'archive') {
      const changed = await writer.archive(mapping.target, mapping.archiveColumn!, page, new Date());
      return { changed, refusals: [] };
    }
    const outcomes = await writer.delete(mapping.target, page.map((entry) => entry.targetId));
    const refusals = outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [{ legacyKey: page[index]!.legacyKey, reason: outcome.reason ?? 'the target refused' }]));
    return { changed: outcomes.length - refusals.length, refusals };
  };
  const record = async (tx: StateTransaction, page: readonly { legacyKey: string }[], outcome: PageOutcome): Promise<{ deleted: number; refused: number }> => {
    const refusedKeys = new Set(outcome.refusals.map((refusal) => refusal.legacyKey));
    const done: { legacyKey: string; action: PendingAction }[] = page.filter((entry) => !refusedKeys.has(entry.legacyKey)).map((entry) => ({ legacyKey: entry.legacyKey, action }));
    // Counted by what is settled now, so that a retry after a lost COMMIT answer counts nothing twice.
    const settled = await state.deletions.settlePending(tx, entity, done);
    await state.deletions.notePendingRefused(tx, entity, outcome.refusals.map(({ legacyKey, reason }) => ({ legacyKey, reason: `deleted in the legacy CRM; ${reason}` })));
    const deleted = Math.min(settled, outcome.changed);
    await state.addToLedger(tx, context.runId, entity, { ...emptyLedger(), deleted }, { batch: false });
    return { deleted, refused: outcome.refusals.length };
  };
  let total = 0;
  let refusedTotal = 0;
  const what = (page: readonly unknown[]) => `${action === 'archive' ? 'archiving' : 'deleting'} ${page.length} ${entity}`;
  for await (const page of pendingActionPages(session, entity, context, inTarget || sink.capabilities.transactional ? PAGE_SIZE : PAGE_SIZE_UNTRANSACTED)) {
    const result = inTarget
      ? await context.retry(what(page), () => sink.write(async (writer) => record(stateOf(writer, sink), page, await act(writer, page)), call))
      : await context.retry(what(page), () => sink.write((writer) => act(writer, page), call)).then((outcome) =>
          context.retry(`recording ${page.length} ${entity} ${action === 'archive' ? 'archived' : 'deleted'}`, () => stateDatabase.transaction((tx) => record(tx, page, outcome))),
        );
    total += result.deleted;
    refusedTotal += result.refused;
  }
  if (total > 0) context.log.info({ entity, deleted: total }, `${total} ${entity} ${action === 'archive' ? 'archived' : 'deleted'} in the target`);
  if (refusedTotal > 0) {
    context.log.warn(
      { entity, refused: refusedTotal },
      `${refusedTotal} ${entity} deleted in the legacy CRM are still in the target: it refused to ${action} them (see \`cutover status\`); they are tried again on the next run`,
    );
  }
  return total;
}
