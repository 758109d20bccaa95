/**
 * Hard deletes in the legacy CRM, found by comparing the id map with the source page by page
 * (`--detect-deletes`): keys gone from the source are marked deleted, and the target rows they own
 * queued for `on_delete` (pending-actions.ts applies them).
 */
import type { Source, SourceEntity } from '../../../connectors/types.js';
import type { EntityMapping } from '../../../transforms/entity-mapping.js';
import { emptyLedger } from '../../state/ledger.js';
import type { DeletionStore } from '../../state/deletion-store.js';
import type { ProjectSession } from '../../session/project-session.js';
import { sourceEntityOf } from '../../session/source-entity.js';
import type { DeletionContext } from './deletion-context.js';

/** Keys per id-map page: one source lookup and at most one transaction each. */
const PAGE_SIZE = 5_000;

/** Marks the keys of `mapping` that are gone from the source; returns how many. */
export async function detectSourceDeletes(session: ProjectSession, mapping: EntityMapping, context: DeletionContext): Promise<number> {
  const { state, stateDatabase } = session;
  const entity = mapping.entity;
  let total = 0;
  for await (const page of goneFromSource(state.deletions, session.sourceFor(mapping), mapping, context)) {
    const gone = page.map((entry) => entry.legacyKey);
    total += await context.retry(`recording ${gone.length} deleted ${entity}`, () =>
      stateDatabase.transaction(async (tx) => {
        const marked = await state.deletions.markSourceDeleted(tx, context.runId, entity, gone, mapping.onDelete);
        await state.addToLedger(tx, context.runId, entity, { ...emptyLedger(), sourceDeleted: marked }, { batch: false });
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
