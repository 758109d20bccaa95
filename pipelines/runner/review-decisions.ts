/**
 * Review decisions, applied at the start of a run and remembered in the state:
 * - `keep apart` on two records of one cluster splits the non-anchor record out: it gets its own
 *   target row again (from its stored values), its children follow it, and the survivor's values
 *   are computed again without it;
 * - `merge` on records of two clusters folds the second cluster into the first: its children
 *   follow, its target row is deleted, and the survivor's values are computed again.
 * Later runs never merge a pair kept apart, and merge a pair marked `merge` when they meet.
 */
import { sql } from 'kysely';
import type { SqlSinkTransaction } from '../../connectors/types.js';
import type { DedupePlan } from '../../transforms/dedupe/dedupe-plan.js';
import { matchKeysOf } from '../../transforms/dedupe/matcher.js';
import { surviveCluster } from '../../transforms/dedupe/survivorship.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping } from '../../transforms/mapping-engine.js';
import { rowHash } from '../../transforms/row-hash.js';
import { RunError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DedupeRecord } from '../state/dedupe-store.js';
import { repointChildren, type ChildReference } from './dedupe-write.js';
import type { ProjectSession } from './project-session.js';
import { readReviewDecisions } from './review-file.js';

type DedupeMapping = EntityMapping & { dedupe: DedupePlan };

/**
 * Decisions are applied before the run reads the source: the keys they change are not read by it
 * yet, and a file source (whose keys may repeat) must not take them for keys already read.
 */
const NOT_READ = { read: false } as const;

export interface ReviewContext {
  readonly runId: number;
  readonly log: Logger;
  readonly children: readonly ChildReference[];
  retry<T>(what: string, operation: () => Promise<T>): Promise<T>;
}

export async function applyReviewDecisions(session: ProjectSession, mapping: DedupeMapping, context: ReviewContext): Promise<{ merged: number; split: number }> {
  const decisions = await readReviewDecisions(mapping);
  const done = { merged: 0, split: 0 };
  const sink = session.sink;
  if (decisions.length === 0) return done;
  if (sink.kind !== 'sql') {
    // A split re-creates a record and a merge deletes one while children are re-pointed: in a
    // database that is one transaction; through an API it is not built yet.
    throw new RunError(`${mapping.dedupe.reviewFile ?? mapping.file}: review decisions cannot be applied to an HTTP API target yet (${decisions.length} marked)`, {
      hint: 'clear the decision column of the review file to go on; merges found by the rules are applied as usual',
    });
  }
  const entity = mapping.entity;
  const store = session.state.dedupe;
  for (const { a, b, decision } of decisions) {
    const outcome = await context.retry(`applying the review decision on ${entity} ${a} and ${b}`, () =>
      sink.transaction(async (tx) => {
        await store.recordDecision(tx.db, entity, a, b, decision);
        const records = await store.records(entity, [a, b], tx.db);
        const left = records.get(a);
        const right = records.get(b);
        if (!left || !right) return null;
        if (decision === 'keep_apart' && left.anchorKey === right.anchorKey) {
          const leaving = right.anchorKey === right.key ? left : right;
          await split(tx, session, mapping, context, leaving);
          return 'split' as const;
        }
        if (decision === 'merge' && left.anchorKey !== right.anchorKey) {
          await mergeClusters(tx, session, mapping, context, left.anchorKey, right.anchorKey);
          return 'merged' as const;
        }
        return null;
      }),
    );
    if (outcome) done[outcome]++;
  }
  if (done.merged + done.split > 0) context.log.info({ entity, ...done }, `review decisions applied to ${entity}: ${done.merged} merged, ${done.split} kept apart`);
  return done;
}

async function split(tx: SqlSinkTransaction, session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, record: DedupeRecord): Promise<void> {
  const { state } = session;
  const values = rowValues(mapping, record.values);
  const [outcome] = await tx.upsert(mapping.target, [values]);
  const previous = (await state.lookupKeys(mapping.entity, [record.key])).get(record.key);
  await state.updateKeys(tx.db, context.runId, mapping.entity, [
    { legacyKey: record.key, status: 'loaded', targetId: outcome!.id, ownsRow: true, rowHash: rowHash(record.values, compileMapping(mapping).columns), detail: 'kept apart by review', pendingAction: null, references: previous?.references ?? null },
  ], NOT_READ);
  await state.dedupe.commit(tx.db, context.runId, mapping.entity, {
    records: [{ ...record, anchorKey: record.key, matchKeys: matchKeysOf(mapping.dedupe, record.profile) }],
    merges: [],
    unmerged: [record.key],
    reviews: [],
  });
  await repointChildren(tx, { children: context.children, state }, record.key, outcome!.id);
  await resurvive(tx, session, mapping, context, record.anchorKey);
}

async function mergeClusters(tx: SqlSinkTransaction, session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, into: string, from: string): Promise<void> {
  const { state } = session;
  const entity = mapping.entity;
  const members = await state.dedupe.members(entity, [from], tx.db);
  const known = await state.lookupKeys(entity, [into, from, ...members.map((m) => m.key)]);
  const survivorTargetId = known.get(into)?.targetId;
  const folded = known.get(from);
  if (!survivorTargetId) throw new Error(`${entity} ${into} has no target row to merge into`);
  for (const member of members) await repointChildren(tx, { children: context.children, state }, member.key, survivorTargetId);
  if (folded?.ownsRow && folded.targetId) {
    await sql`DELETE FROM ${sql.table(mapping.target.table)} WHERE ${sql.ref(mapping.target.id)} = ${folded.targetId}`.execute(tx.db);
  }
  await state.updateKeys(
    tx.db,
    context.runId,
    entity,
    members.map((member) => ({
      legacyKey: member.key,
      status: 'merged' as const,
      targetId: survivorTargetId,
      ownsRow: false,
      rowHash: null,
      detail: `merged into ${into}: merged by review`,
      pendingAction: null,
      references: known.get(member.key)?.references ?? null,
    })),
    NOT_READ,
  );
  await state.dedupe.commit(tx.db, context.runId, entity, {
    records: members.map((member) => ({ ...member, anchorKey: into, matchKeys: matchKeysOf(mapping.dedupe, member.profile) })),
    merges: members.map((member) => ({ key: member.key, anchorKey: into, rule: 'merged by review', score: 1 })),
    unmerged: [],
    reviews: [],
  });
  await resurvive(tx, session, mapping, context, into);
}

/** Writes a cluster's target row again from its members' values. */
async function resurvive(tx: SqlSinkTransaction, session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, anchor: string): Promise<void> {
  const { state } = session;
  const members = await state.dedupe.members(mapping.entity, [anchor], tx.db);
  const own = members.find((member) => member.key === anchor);
  if (!own) return;
  const values = surviveCluster(mapping.dedupe, members);
  values[mapping.target.key] = own.values[mapping.target.key];
  const [outcome] = await tx.upsert(mapping.target, [rowValues(mapping, values)]);
  const previous = (await state.lookupKeys(mapping.entity, [anchor])).get(anchor);
  await state.updateKeys(tx.db, context.runId, mapping.entity, [
    { legacyKey: anchor, status: 'loaded', targetId: outcome!.id, ownsRow: true, rowHash: rowHash(values, compileMapping(mapping).columns), detail: null, pendingAction: null, references: previous?.references ?? null },
  ], NOT_READ);
}

/** Stored values as a target row: the archive flag cleared where the mapping archives. */
function rowValues(mapping: DedupeMapping, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return mapping.onDelete === 'archive' && mapping.archiveColumn ? { ...values, [mapping.archiveColumn]: null } : { ...values };
}
