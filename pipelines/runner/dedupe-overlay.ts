/**
 * The dedupe state as it will be once the batch in flight commits: what the next batch is matched
 * against while the two overlap (the next batch is planned while the current one commits). The
 * in-flight batch's records are left out of every answer of the store, committed by now or not,
 * and added from its delta, so the answer is the same either way: exactly what a run that waited
 * for the commit would have read.
 */
import type { CandidateLists, DedupeRecord } from '../state/dedupe-store.js';
import type { DedupeDelta, DedupeReader } from './dedupe-stage.js';

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

  const members = async (entity: string, anchorKeys: readonly string[]): Promise<DedupeRecord[]> => {
    const anchors = new Set(anchorKeys);
    const stored = (await store.members(entity, anchorKeys)).filter((record) => !pending.has(record.key));
    return [...stored, ...[...pending.values()].filter((record) => anchors.has(record.anchorKey))];
  };

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
      for (const matchKey of matchKeys) {
        const stored = found.get(matchKey);
        const added = (holders.get(matchKey) ?? []).filter((record) => !excluded.has(record.key));
        if (stored === null || added.length === 0) continue;
        const list = [...(stored ?? []), ...added];
        found.set(matchKey, list.length > limit ? null : list);
      }
      return found;
    },
    members,
    async clusterSizes(entity, anchorKeys) {
      const sizes = new Map<string, number>();
      for (const record of await members(entity, anchorKeys)) sizes.set(record.anchorKey, (sizes.get(record.anchorKey) ?? 0) + 1);
      return sizes;
    },
    decisions: (entity, keys) => store.decisions(entity, keys),
  };
}
