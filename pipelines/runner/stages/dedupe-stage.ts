/**
 * The dedupe stage of a batch: each new record is matched against everything loaded before
 * (through the match-key index) and the records of the batch; merges join a cluster, whose one
 * target row carries the survivorship values under its anchor's legacy key. Records already known
 * keep their cluster (a later merge or split is a review decision). Reads state, writes nothing:
 * the delta commits with the batch.
 */
import type { DedupePlan } from '../../../transforms/dedupe/dedupe-plan.js';
import { compareProfiles, matchKeysOf, profileOf, type MatchProfile, type PairVerdict } from '../../../transforms/dedupe/matcher.js';
import { surviveCluster, type ClusterMember } from '../../../transforms/dedupe/survivorship.js';
import type { MappedRow } from '../../../transforms/mapping-engine.js';
import { orderedPair, type Candidate, type DedupeStore, type MergeRecord, type StoredRecord } from '../../state/dedupe-store.js';

export type DedupeReader = Pick<DedupeStore, 'records' | 'members' | 'candidates' | 'clusterSizes' | 'decisions'>;

export interface DedupeDelta {
  readonly records: StoredRecord[];
  readonly merges: MergeRecord[];
  readonly unmerged: string[];
  readonly reviews: { a: string; b: string; rule: string; score: number }[];
}

export interface DedupeResult {
  /** Target rows to write: each touched cluster's anchor with its survivorship values. `read`: the anchor is a row of this batch. */
  readonly anchors: { row: MappedRow; read: boolean }[];
  /** Rows of the batch that share another record's target row. */
  readonly merged: { row: MappedRow; anchorKey: string; rule: string; score: number }[];
  readonly delta: DedupeDelta;
}

interface Item {
  readonly row: MappedRow;
  readonly values: Record<string, unknown>;
  readonly profile: MatchProfile;
  readonly matchKeys: string[];
}

const REVIEW_RULE_BRIDGE = 'would join two clusters';
const REVIEW_RULE_SIZE = 'cluster at its size limit';

export async function dedupeStage(plan: DedupePlan, entity: string, targetKeyField: string, rows: readonly MappedRow[], store: DedupeReader): Promise<DedupeResult> {
  const items: Item[] = rows.map((row) => {
    // Values as they are stored (JSON), so that survivorship gives the same row from stored and fresh members.
    const values = JSON.parse(JSON.stringify(row.values)) as Record<string, unknown>;
    const profile = profileOf(plan, values);
    return { row, values, profile, matchKeys: matchKeysOf(plan, profile) };
  });
  const keys = items.map((item) => item.row.key);
  const existing = await store.records(entity, keys);
  const fresh = items.filter((item) => !existing.has(item.row.key));
  const candidates = await store.candidates(entity, [...new Set(fresh.flatMap((item) => item.matchKeys))], plan.maxCandidates);
  const decisions = await store.decisions(entity, keys);
  const reviews: DedupeDelta['reviews'] = [];

  const verdicts = new Map<string, PairVerdict>();
  const judge = (a: string, pa: MatchProfile, b: string, pb: MatchProfile): PairVerdict => {
    const pair = orderedPair(a, b).join('\u001f');
    let verdict = verdicts.get(pair);
    if (verdict === undefined) {
      const decided = decisions.get(pair);
      verdict =
        decided === 'keep_apart'
          ? { decision: 'distinct', rule: 'kept apart by review', score: 0 }
          : decided === 'merge'
            ? { decision: 'merge', rule: 'merged by review', score: 1 }
            : compareProfiles(plan, pa, pb);
      verdicts.set(pair, verdict);
    }
    return verdict;
  };

  // Only a stored cluster that a new record would join needs its size: judge those pairs first
  // (the verdicts are kept for the pass below), and count the members of the clusters they name.
  const joinable = new Set<string>();
  for (const item of fresh) {
    for (const matchKey of item.matchKeys) {
      for (const candidate of candidates.get(matchKey) ?? []) {
        if (candidate.key !== item.row.key && judge(item.row.key, item.profile, candidate.key, candidate.profile).decision === 'merge') {
          joinable.add(existing.get(candidate.key)?.anchorKey ?? candidate.anchorKey);
        }
      }
    }
  }
  const sizes = await store.clusterSizes(entity, [...joinable]);

  // New records in read order, each against everything before it (loaded earlier or earlier in this
  // batch), exactly as if every record were its own batch: where a run's batches begin and end (a
  // resumed run re-reads from its watermark) never changes a cluster or its anchor.
  const joined = new Map<string, PairVerdict>();
  const batchIndex = new Map<string, Item[]>();
  const anchorOf = new Map<string, string>([...existing].map(([key, record]) => [key, record.anchorKey]));
  for (const item of fresh) {
    const key = item.row.key;
    const compared = new Set<string>([key]);
    const matches = new Map<string, PairVerdict>();
    const consider = (otherKey: string, otherProfile: MatchProfile, otherAnchor: string) => {
      if (compared.has(otherKey)) return;
      compared.add(otherKey);
      const verdict = judge(key, item.profile, otherKey, otherProfile);
      if (verdict.decision === 'merge' && (matches.get(otherAnchor)?.score ?? -1) < verdict.score) matches.set(otherAnchor, verdict);
      if (verdict.decision === 'review') reviews.push({ a: key, b: otherKey, rule: verdict.rule!, score: verdict.score });
    };
    for (const matchKey of item.matchKeys) {
      const stored = candidates.get(matchKey) ?? ([] as Candidate[]);
      const earlier = batchIndex.get(matchKey) ?? [];
      // As in the index: a key shared by more records than `maxCandidates` tells nobody apart.
      if (stored.length + earlier.length > plan.maxCandidates) continue;
      for (const candidate of stored) consider(candidate.key, candidate.profile, anchorOf.get(candidate.key) ?? candidate.anchorKey);
      for (const other of earlier) consider(other.row.key, other.profile, anchorOf.get(other.row.key)!);
    }
    // The best cluster takes the record; one that would bridge two clusters or overfill one goes to review.
    let anchor = key;
    const ranked = [...matches].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
    for (const [candidateAnchor, verdict] of ranked) {
      if (anchor === key && (sizes.get(candidateAnchor) ?? 1) < plan.maxCluster) {
        anchor = candidateAnchor;
        sizes.set(candidateAnchor, (sizes.get(candidateAnchor) ?? 1) + 1);
        joined.set(key, verdict);
      } else {
        reviews.push({ a: key, b: candidateAnchor, rule: anchor === key ? REVIEW_RULE_SIZE : REVIEW_RULE_BRIDGE, score: verdict.score });
      }
    }
    anchorOf.set(key, anchor);
    for (const matchKey of item.matchKeys) {
      const list = batchIndex.get(matchKey) ?? [];
      list.push(item);
      batchIndex.set(matchKey, list);
    }
  }

  // Survivorship over every touched cluster: stored members, overridden by this batch's values.
  const byKey = new Map(items.map((item) => [item.row.key, item]));
  const touched = [...new Set(items.map((item) => anchorOf.get(item.row.key)!))];
  const clusters = new Map<string, Map<string, ClusterMember>>(touched.map((anchor) => [anchor, new Map()]));
  // A record is never removed from the state, so a key it does not hold anchors no stored record:
  // the clusters of new records that joined nobody have no stored members to read.
  const freshKeys = new Set(fresh.map((item) => item.row.key));
  for (const stored of await store.members(entity, touched.filter((anchor) => !freshKeys.has(anchor)))) {
    if (!byKey.has(stored.key)) clusters.get(stored.anchorKey)?.set(stored.key, { key: stored.key, values: stored.values });
  }
  for (const item of items) clusters.get(anchorOf.get(item.row.key)!)!.set(item.row.key, { key: item.row.key, values: item.values });

  const anchors: DedupeResult['anchors'] = [];
  for (const [anchor, members] of clusters) {
    const anchorMember = members.get(anchor);
    if (!anchorMember) throw new Error(`dedupe state: cluster ${anchor} of ${entity} has no record for its anchor`);
    const values = surviveCluster(plan, [...members.values()]);
    values[targetKeyField] = anchorMember.values[targetKeyField];
    const own = byKey.get(anchor);
    anchors.push(
      own
        ? { row: { ...own.row, values }, read: true }
        : { row: { key: anchor, origin: `${entity} ${anchor} (survivor of a merge)`, values, source: {} }, read: false },
    );
  }

  const merged: DedupeResult['merged'] = [];
  const merges: MergeRecord[] = [];
  for (const item of items) {
    const key = item.row.key;
    const anchor = anchorOf.get(key)!;
    if (anchor === key) continue;
    const verdict = joined.get(key);
    merged.push({ row: item.row, anchorKey: anchor, rule: verdict?.rule ?? 'merged earlier', score: verdict?.score ?? 1 });
    if (verdict) merges.push({ key, anchorKey: anchor, rule: verdict.rule ?? 'merged', score: verdict.score });
  }
  // Only records that are new or whose values changed are written again: a re-run rewrites nothing.
  const records = items
    .filter((item) => {
      const stored = existing.get(item.row.key);
      return !stored || stableJson(stored.values) !== stableJson(item.values);
    })
    .map((item) => ({
      key: item.row.key,
      anchorKey: anchorOf.get(item.row.key)!,
      profile: item.profile,
      values: item.values,
      matchKeys: item.matchKeys,
      fresh: !existing.has(item.row.key),
    }));
  return { anchors, merged, delta: { records, merges, unmerged: [], reviews } };
}

/** JSON with object keys sorted: jsonb does not keep the order they were written in. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
