/**
 * Deletions in the legacy CRM reach the target here, after the entities' rows moved and children
 * before parents: hard deletes are found by comparing the id map with the source page by page
 * (`--detect-deletes`), and target rows queued by them or by soft deletes are deleted or archived
 * as the mapping's `on_delete` says. A delete the target refuses (a parent still referenced) stays
 * queued with the reason, and is tried again by the next run.
 */
import { sql } from 'kysely';
import type { Source, SourceEntity } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { Logger } from '../logger.js';
import { emptyLedger } from '../state/ledger.js';
import type { DeletionStore, PendingAction } from '../state/deletion-store.js';
import type { ProjectSession } from './project-session.js';
import { sourceEntityOf } from './run-entity.js';
import { describeDataError, isolateRefusals } from './write-rows.js';
import { applyPendingActionsThroughApi } from './api-deletions.js';

/** Keys per id-map page: one source lookup and at most one transaction each. */
const PAGE_SIZE = 5_000;

export interface DeletionContext {
  readonly runId: number;
  readonly log: Logger;
  readonly signal?: AbortSignal | undefined;
  retry<T>(what: string, operation: () => Promise<T>): Promise<T>;
}

/** Marks the keys of `mapping` that are gone from the source; returns how many. */
export async function detectSourceDeletes(session: ProjectSession, mapping: EntityMapping, context: DeletionContext): Promise<number> {
  const { state, stateSink: sink } = session;
  const entity = mapping.entity;
  let total = 0;
  for await (const page of goneFromSource(state.deletions, session.sourceFor(mapping), mapping, context)) {
    const gone = page.map((entry) => entry.legacyKey);
    total += await context.retry(`recording ${gone.length} deleted ${entity}`, () =>
      sink.transaction(async (tx) => {
        const marked = await state.deletions.markSourceDeleted(tx.db, context.runId, entity, gone, mapping.onDelete);
        await state.addToLedger(tx.db, context.runId, entity, { ...emptyLedger(), sourceDeleted: marked }, { batch: false });
        return marked;
      }),
    );
  }
  if (total > 0) context.log.info({ entity, sourceDeleted: total }, `${total} ${entity} deleted in the legacy CRM since the last run`);
  return total;
}

/** Pages of id-map keys (not yet known deleted) that the source no longer has in scope. */
export async function* goneFromSource(
  state: Pick<DeletionStore, 'liveKeysPage'>,
  source: Source,
  mapping: EntityMapping,
  context: Pick<DeletionContext, 'retry' | 'signal'>,
): AsyncGenerator<{ legacyKey: string; ownsRow: boolean }[]> {
  const existing = await keyChecker(source, sourceEntityOf(mapping), mapping.batchSize, context);
  let after: string | null = null;
  for (;;) {
    const page = await context.retry('reading the id map', () => state.liveKeysPage(mapping.entity, after, PAGE_SIZE));
    if (page.length === 0) return;
    after = page[page.length - 1]!.legacyKey;
    const present = await existing(page.map((entry) => entry.legacyKey));
    const gone = page.filter((entry) => !present.has(entry.legacyKey));
    if (gone.length > 0) yield gone;
  }
}

/**
 * Which keys exist: asked page by page where the source has a key index; otherwise (files) every
 * key is read once into memory, the only way to know what a file no longer holds.
 */
async function keyChecker(
  source: Source,
  entity: SourceEntity,
  batchSize: number,
  context: Pick<DeletionContext, 'retry' | 'signal'>,
): Promise<(keys: readonly string[]) => Promise<Set<string>>> {
  if (source.capabilities.keyLookup && source.existingKeys) {
    // The session's sources retry their own calls (retrying-source.ts).
    return (keys) => source.existingKeys!(entity, keys, context.signal);
  }
  const all = new Set<string>();
  for await (const batch of source.read({ entity, batchSize, signal: context.signal })) {
    for (const row of batch.rows) all.add(row.key);
    for (const reject of batch.rejects) if (reject.key !== null) all.add(reject.key);
  }
  return async (keys) => new Set(keys.filter((key) => all.has(key)));
}

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

/** Deletes or archives the target rows queued for `mapping`; returns the rows changed. */
export async function applyPendingActions(session: ProjectSession, mapping: EntityMapping, context: DeletionContext): Promise<number> {
  // The mapping as it is now decides; rows queued under an earlier `on_delete` wait while it says `ignore`.
  const action = mapping.onDelete;
  if (action === 'ignore') return 0;
  if (session.sink.kind === 'api') return applyPendingActionsThroughApi(session, session.sink, mapping, context);
  const { state } = session;
  const sink = session.sink;
  const entity = mapping.entity;
  const { table, id } = mapping.target;
  let total = 0;
  let refusedTotal = 0;
  for await (const page of pendingActionPages(session, entity, context, PAGE_SIZE)) {
    const { changed, refused } = await context.retry(`deleting or archiving ${page.length} ${entity}`, () =>
      sink.transaction(async (tx) => {
        let changedRows = 0;
        const deletes = action === 'delete' ? page : [];
        const archives = action === 'archive' ? page : [];
        const refusals = await isolateRefusals(tx, deletes, async (chunk) => {
          const result = await tx.db.deleteFrom(table).where(sql.ref(id), '=', sql<string>`ANY(${chunk.map((entry) => entry.targetId)})`).executeTakeFirst();
          changedRows += Number(result.numDeletedRows);
        });
        if (archives.length > 0) {
          const column = mapping.archiveColumn!;
          const result = await tx.db
            .updateTable(table)
            .set({ [column]: sql`now()` })
            .where(sql.ref(id), '=', sql<string>`ANY(${archives.map((entry) => entry.targetId)})`)
            .where(sql.ref(column), 'is', null)
            .executeTakeFirst();
          changedRows += Number(result.numUpdatedRows);
        }
        const refusedKeys = new Set(refusals.map((refusal) => refusal.item.legacyKey));
        const done: { legacyKey: string; action: PendingAction }[] = page.filter((entry) => !refusedKeys.has(entry.legacyKey)).map((entry) => ({ legacyKey: entry.legacyKey, action }));
        await state.deletions.settlePending(tx.db, entity, done);
        await state.deletions.notePendingRefused(
          tx.db,
          entity,
          refusals.map(({ item, error }) => ({ legacyKey: item.legacyKey, reason: `deleted in the legacy CRM; the target refused to delete its row: ${describeDataError(error)}` })),
        );
        await state.addToLedger(tx.db, context.runId, entity, { ...emptyLedger(), deleted: changedRows }, { batch: false });
        return { changed: changedRows, refused: refusals.length };
      }),
    );
    total += changed;
    refusedTotal += refused;
  }
  if (total > 0) context.log.info({ entity, deleted: total }, `${total} ${entity} ${action === 'archive' ? 'archived' : 'deleted'} in the target`);
  if (refusedTotal > 0) {
    context.log.warn(
      { entity, refused: refusedTotal },
      `${refusedTotal} ${entity} deleted in the legacy CRM are still in the target: it refused to delete them (see \`cutover status\`); they are tried again on the next run`,
    );
  }
  return total;
}
