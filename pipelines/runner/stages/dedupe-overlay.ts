/**
 * The dedupe state as it will be once the batch in flight commits: what the next batch is matched
 * against while the two overlap (the next batch is planned while the current one commits). The
 * in-flight batch's records are left out of every answer of the store, committed by now or not,
 * and added from its delta, so the answer is the same either way: exactly what a run that waited
 * for the commit would have read. The pieces that lay records over the store's answers are shared
 * with `cutover plan` (plan-project.ts), which lays a whole entity's planned records over the state.
 */
import type { Candidate, CandidateLists, DedupeRecord } from '../../state/dedupe-store.js';
import type { DedupeDelta, DedupeReader } from './dedupe-stage.js';

/** The stored members of the clusters of `anchorKeys` without the records laid over them, plus the laid records of those clusters. */
export function overlayMembers(stored: readonly DedupeRecord[], laid: ReadonlyMap<string, DedupeRecord>, anchorKeys: readonly string[]): DedupeRecord[] {
  const anchors = new Set(anchorKeys);
  return [...stored.filter((record) => !laid.has(record.key)), ...[...laid.values()].filter((record) => anchors.has(record.anchorKey))];
}

/** Cluster sizes by anchor, counted from the clusters' members. */
export function clusterSizesOf(members: readonly DedupeRecord[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const record of members) sizes.set(record.anchorKey, (sizes.get(record.anchorKey) ?? 0) + 1);
  return sizes;
}

/** Adds `added` to the candidates of `matchKey` in `found`: a key held by more than `limit` records finds nobody (null). */
export function addCandidates(found: CandidateLists, matchKey: string, added: readonly Candidate[], limit: number): void {
  const stored = found.get(matchKey);
  if (stored === null || added.length === 0) return;
  const list = [...(stored ?? []), ...added];
  found.set(matchKey, list.length > limit ? null : list);
}

/** `store`'s answers as they will be once `inFlight` has committed. */
export function withBatchInFlight(store: DedupeReader, inFlight: DedupeDelta): DedupeReader {
  const pending = new Map<string, DedupeRecord>(inFlight.records.map(({ key, anchorKey, profile, values }) => [key, { key, anchorKey, profile, values }]));
  const pendingKeys = [...pending.keys()];
  const holders = new Map<string, DedupeRecord[]>();
  for (const record of inFlight.records) {
    for (const matchKey of new Set(record.matchKeys)) {
      const list = holders.get(matchKey);
      if (list) list.push(pending.get(record.key)!);
      else holders.set(matchKey, [pending.get(record.key)!]);
    }
  }

  const members = async (entity: string, anchorKeys: readonly string[]): Promise<DedupeRecord[]> => overlayMembers(await store.members(entity, anchorKeys), pending, anchorKeys);

  return {
    async records(entity, keys) {
      const found = await store.records(entity, keys);
      for (const key of keys) {
        const record = pending.get(key);
        if (record) found.set(key, record);
      }
      return found;
    },
    async candidates(entity, matchKeys, limit, exclude = []) {
      const found: CandidateLists = await store.candidates(entity, matchKeys, limit, [...exclude, ...pendingKeys]);
      const excluded = new Set(exclude);
      for (const matchKey of matchKeys) addCandidates(found, matchKey, (holders.get(matchKey) ?? []).filter((record) => !excluded.has(record.key)), limit);
      return found;
    },
    members,
    clusterSizes: async (entity, anchorKeys) => clusterSizesOf(await members(entity, anchorKeys)),
    decisions: (entity, keys) => store.decisions(entity, keys),
  };
}
