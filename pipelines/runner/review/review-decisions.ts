/**
 * Review decisions, applied at the start of a run and remembered in the state:
 * - `keep apart` on two records of one cluster splits the non-anchor record out: it gets its own
 *   target row again (from its stored values), its children follow it, and the survivor's values
 *   are computed again without it;
 * - `merge` on records of two clusters folds the second cluster into the first: its children
 *   follow, its target row is deleted, and the survivor's values are computed again.
 * Later runs never merge a pair kept apart, and merge a pair marked `merge` when they meet.
 */
import type { SinkWriter, StateTransaction } from '../../../connectors/sink.js';
import { FatalError } from '../../../connectors/errors.js';
import type { DedupePlan } from '../../../transforms/dedupe/dedupe-plan.js';
import { matchKeysOf } from '../../../transforms/dedupe/matcher.js';
import { surviveCluster } from '../../../transforms/dedupe/survivorship.js';
import type { EntityMapping } from '../../../transforms/entity-mapping.js';
import { compileMapping } from '../../../transforms/mapping-engine.js';
import { rowHash } from '../../../transforms/row-hash.js';
import type { Logger } from '../../logger.js';
import type { DedupeRecord, ReviewDecision } from '../../state/dedupe-store.js';
import type { KeyState, KeyUpdate } from '../../state/state-store.js';
import { childTarget, type ChildReference } from '../../session/child-references.js';
import type { ProjectSession } from '../../session/project-session.js';
import { readReviewDecisions } from './review-file.js';
import { stateOf, writeOptions } from '../commit/sink-writes.js';

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
  readonly signal?: AbortSignal | undefined;
  retry<T>(what: string, operation: () => Promise<T>): Promise<T>;
}

/** What a decision changes, read from the state before anything is written. */
type Change =
  | { readonly what: 'split'; readonly leaving: DedupeRecord; readonly remaining: readonly DedupeRecord[]; readonly known: ReadonlyMap<string, KeyState> }
  | { readonly what: 'merged'; readonly into: string; readonly from: string; readonly moving: readonly DedupeRecord[]; readonly staying: readonly DedupeRecord[]; readonly known: ReadonlyMap<string, KeyState> };

/** The target ids the writes gave: the split record's own row, and the survivor's row written again. */
interface Written {
  readonly ownId: string | null;
  readonly survivorId: string | null;
}

/**
 * Applies the decisions marked in the review file, one at a time. Where the state is in the
 * target, each decision's writes and state commit in one transaction. Elsewhere the target writes
 * come first and the state after: every write is idempotent (an upsert by legacy key, a re-point,
 * a delete of a row that may be gone already), and the review file keeps the decision until a run
 * succeeds, so a crash before the state commits is redone by the next run from the same state.
 */
export async function applyReviewDecisions(session: ProjectSession, mapping: DedupeMapping, context: ReviewContext): Promise<{ merged: number; split: number }> {
  const decisions = await readReviewDecisions(mapping);
  const done = { merged: 0, split: 0 };
  if (decisions.length === 0) return done;
  const entity = mapping.entity;
  for (const { a, b, decision } of decisions) {
    const outcome = await context.retry(`applying the review decision on ${entity} ${a} and ${b}`, () => applyDecision(session, mapping, context, a, b, decision));
    if (outcome) done[outcome]++;
  }
  if (done.merged + done.split > 0) context.log.info({ entity, ...done }, `review decisions applied to ${entity}: ${done.merged} merged, ${done.split} kept apart`);
  return done;
}

async function applyDecision(session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, a: string, b: string, decision: ReviewDecision): Promise<Change['what'] | null> {
  const { sink, stateDatabase, state } = session;
  const call = writeOptions(context);
  const commit = async (tx: StateTransaction, change: Change | null, written: Written) => {
    await state.dedupe.recordDecision(tx, mapping.entity, a, b, decision);
    if (change) await commitChange(tx, session, mapping, context, change, written);
  };
  if (sink.capabilities.state === 'target') {
    return sink.write(async (writer) => {
      const tx = stateOf(writer, sink);
      const change = await planChange(session, mapping, a, b, decision, tx);
      const written = change ? await writeChange(writer, session, mapping, context, change, tx) : { ownId: null, survivorId: null };
      await commit(tx, change, written);
      return change?.what ?? null;
    }, call);
  }
  const change = await planChange(session, mapping, a, b, decision, undefined);
  const written = change ? await sink.write((writer) => writeChange(writer, session, mapping, context, change, undefined), call) : { ownId: null, survivorId: null };
  await stateDatabase.transaction((tx) => commit(tx, change, written));
  return change?.what ?? null;
}

/** What the decision changes, from the state as it is: null when the records are not there or already as decided. */
async function planChange(session: ProjectSession, mapping: DedupeMapping, a: string, b: string, decision: ReviewDecision, tx: StateTransaction | undefined): Promise<Change | null> {
  const store = session.state.dedupe;
  const entity = mapping.entity;
  const records = await store.records(entity, [a, b], tx);
  const left = records.get(a);
  const right = records.get(b);
  if (!left || !right) return null;
  if (decision === 'keep_apart' && left.anchorKey === right.anchorKey) {
    // `keep apart` on two records of one cluster splits the non-anchor record out.
    const leaving = right.anchorKey === right.key ? left : right;
    const remaining = (await store.members(entity, [leaving.anchorKey], tx)).filter((member) => member.key !== leaving.key);
    const known = await session.state.lookupKeys(entity, [leaving.key, leaving.anchorKey], tx);
    return { what: 'split', leaving, remaining, known };
  }
  if (decision === 'merge' && left.anchorKey !== right.anchorKey) {
    const [into, from] = [left.anchorKey, right.anchorKey];
    const moving = await store.members(entity, [from], tx);
    const staying = await store.members(entity, [into], tx);
    const known = await session.state.lookupKeys(entity, [into, from, ...moving.map((member) => member.key)], tx);
    if (!known.get(into)?.targetId) throw new Error(`${entity} ${into} has no target row to merge into`);
    return { what: 'merged', into, from, moving, staying, known };
  }
  return null;
}

/**
 * The target's side: a split record gets its own row again (from its stored values) and its
 * children follow it; a merge re-points the children of the folded cluster and deletes its row.
 * Either way the survivor's row is written again from its members' values.
 */
async function writeChange(writer: SinkWriter, session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, change: Change, tx: StateTransaction | undefined): Promise<Written> {
  const entity = mapping.entity;
  if (change.what === 'split') {
    const ownId = await upsertOne(writer, mapping, rowValues(mapping, change.leaving.values), `${entity} ${change.leaving.key} (kept apart by review)`);
    await repointChildren(writer, session, context, change.leaving.key, ownId, tx);
    const survivorId = await resurvive(writer, mapping, change.leaving.anchorKey, change.remaining);
    return { ownId, survivorId };
  }
  const survivorTargetId = change.known.get(change.into)!.targetId!;
  for (const member of change.moving) await repointChildren(writer, session, context, member.key, survivorTargetId, tx);
  const folded = change.known.get(change.from);
  if (folded?.ownsRow && folded.targetId) {
    if (!session.sink.capabilities.deletes) throw new FatalError(`${entity} ${change.from}: merging it by review deletes its target row, and ${session.sink.endpoint} cannot delete rows`);
    const [deleted] = await writer.delete(mapping.target, [folded.targetId]);
    if (deleted && !deleted.ok) throw new FatalError(`${entity} ${change.from}: merged by review, its target row ${folded.targetId} could not be deleted: ${deleted.reason ?? 'refused'}`);
  }
  const members = [...change.staying, ...change.moving.map((member) => ({ ...member, anchorKey: change.into }))];
  const survivorId = await resurvive(writer, mapping, change.into, members);
  return { ownId: null, survivorId };
}

/** The state's side, in one transaction, with the target ids the writes gave. */
async function commitChange(tx: StateTransaction, session: ProjectSession, mapping: DedupeMapping, context: ReviewContext, change: Change, written: Written): Promise<void> {
  const { state } = session;
  const entity = mapping.entity;
  const columns = compileMapping(mapping).columns;
  if (change.what === 'split') {
    const record = change.leaving;
    await state.updateKeys(tx, context.runId, entity, [
      { legacyKey: record.key, status: 'loaded', targetId: written.ownId, ownsRow: true, rowHash: rowHash(record.values, columns), detail: 'kept apart by review', pendingAction: null, references: change.known.get(record.key)?.references ?? null },
    ], NOT_READ);
    await state.dedupe.commit(tx, context.runId, entity, {
      records: [{ ...record, anchorKey: record.key, matchKeys: matchKeysOf(mapping.dedupe, record.profile) }],
      merges: [],
      unmerged: [record.key],
      reviews: [],
    });
    await commitSurvivor(tx, session, mapping, context, record.anchorKey, change.remaining, written.survivorId, change.known);
    return;
  }
  const into = change.into;
  const survivorTargetId = change.known.get(into)!.targetId;
  const updates: KeyUpdate[] = change.moving.map((member) => ({
    legacyKey: member.key,
    status: 'merged',
    targetId: survivorTargetId,
    ownsRow: false,
    rowHash: null,
    detail: `merged into ${into}: merged by review`,
    pendingAction: null,
    references: change.known.get(member.key)?.references ?? null,
  }));
  await state.updateKeys(tx, context.runId, entity, updates, NOT_READ);
  await state.dedupe.commit(tx, context.runId, entity, {
    records: change.moving.map((member) => ({ ...member, anchorKey: into, matchKeys: matchKeysOf(mapping.dedupe, member.profile) })),
    merges: change.moving.map((member) => ({ key: member.key, anchorKey: into, rule: 'merged by review', score: 1 })),
    unmerged: [],
    reviews: [],
  });
  await commitSurvivor(tx, session, mapping, context, into, [...change.staying, ...change.moving], written.survivorId, change.known);
}

/** Child rows whose legacy parent is `legacyKey` now point at `targetId`. */
async function repointChildren(writer: SinkWriter, session: ProjectSession, context: ReviewContext, legacyKey: string, targetId: string, tx: StateTransaction | undefined): Promise<void> {
  for (const child of context.children) {
    const keys = await session.state.childKeysOf(child.entity, child.field, legacyKey, tx);
    if (keys.length > 0) await writer.repoint(childTarget(child), keys, targetId);
  }
}

/** Writes a cluster's target row again from its members' values; null when its anchor is not among them. */
async function resurvive(writer: SinkWriter, mapping: DedupeMapping, anchor: string, members: readonly DedupeRecord[]): Promise<string | null> {
  const values = survivorValues(mapping, anchor, members);
  if (!values) return null;
  return upsertOne(writer, mapping, rowValues(mapping, values), `${mapping.entity} ${anchor} (survivor of a review decision)`);
}

async function commitSurvivor(
  tx: StateTransaction,
  session: ProjectSession,
  mapping: DedupeMapping,
  context: ReviewContext,
  anchor: string,
  members: readonly DedupeRecord[],
  targetId: string | null,
  known: ReadonlyMap<string, KeyState>,
): Promise<void> {
  const values = survivorValues(mapping, anchor, members);
  if (!values || targetId === null) return;
  await session.state.updateKeys(tx, context.runId, mapping.entity, [
    { legacyKey: anchor, status: 'loaded', targetId, ownsRow: true, rowHash: rowHash(values, compileMapping(mapping).columns), detail: null, pendingAction: null, references: known.get(anchor)?.references ?? null },
  ], NOT_READ);
}

/** The survivorship values of a cluster, under its anchor's legacy key. */
function survivorValues(mapping: DedupeMapping, anchor: string, members: readonly DedupeRecord[]): Record<string, unknown> | null {
  const own = members.find((member) => member.key === anchor);
  if (!own) return null;
  const values = surviveCluster(mapping.dedupe, members);
  values[mapping.target.key] = own.values[mapping.target.key];
  return values;
}

async function upsertOne(writer: SinkWriter, mapping: DedupeMapping, values: Record<string, unknown>, what: string): Promise<string> {
  const [outcome] = await writer.upsert(mapping.target, [values]);
  if (!outcome?.ok) throw new FatalError(`${what}: the target refused its row: ${outcome && !outcome.ok ? outcome.reason : 'no outcome'}`);
  return outcome.id;
}

/** Stored values as a target row: the archive flag cleared where the mapping archives. */
function rowValues(mapping: DedupeMapping, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return mapping.onDelete === 'archive' && mapping.archiveColumn ? { ...values, [mapping.archiveColumn]: null } : { ...values };
}
