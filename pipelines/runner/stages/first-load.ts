/**
 * What a run knows while it loads an entity whose state was empty when the run began: a key it
 * reads is new unless this run read it before (a row updated during the run comes round again,
 * later in cursor order), and a match key finds only records this run wrote. Two key filters keep
 * that knowledge in a few bytes a key, so that a batch skips the state lookups that could only come
 * back empty: on a first load of millions of rows, nearly all of them.
 */
import type { DedupeReader } from './dedupe-stage.js';
import { KeyFilter } from './key-filter.js';

export class FirstLoad {
  readonly #readKeys: KeyFilter;
  readonly #matchKeys: KeyFilter;

  /**
   * @param expectedRows the source's row count, so that each filter starts at its final size (one
   *   layer: fewer false positives than a filter grown from small). More rows only add a layer.
   * @param matchKeysPerRow match keys a record can have (one per dedupe rule, roughly).
   */
  constructor(expectedRows: number, matchKeysPerRow: number) {
    const rows = Math.max(1_024, Math.ceil(expectedRows * 1.02));
    this.#readKeys = new KeyFilter(rows);
    // Half the density for the match keys, the bigger filter (a rule can give a record two keys):
    // its false positives, ~15 %, only add keys to a batch's one candidate query that the index
    // answers with nothing. At 5,000,000 customers: 7.5 MB instead of 15.
    this.#matchKeys = new KeyFilter(matchKeysPerRow > 0 ? rows * matchKeysPerRow : 1_024, { bitsPerKey: 4, probes: 3 });
  }

  /** Bytes held by the two filters. */
  get bytes(): number {
    return this.#readKeys.bytes + this.#matchKeys.bytes;
  }

  /** The keys of a batch that this run may have read before (the only ones worth looking up); remembers them all. */
  seenBefore(keys: readonly string[]): string[] {
    const seen = keys.filter((key) => this.#readKeys.mightHave(key));
    for (const key of keys) this.#readKeys.add(key);
    return seen;
  }

  /**
   * `store`, asked only where it may hold something: records of keys in `seenBefore`, candidates
   * for match keys this run has written.
   */
  dedupeReader(store: DedupeReader, seenBefore: ReadonlySet<string>): DedupeReader {
    return {
      records: (entity, keys) => store.records(entity, keys.filter((key) => seenBefore.has(key))),
      candidates: (entity, matchKeys, limit, exclude) => store.candidates(entity, matchKeys.filter((key) => this.#matchKeys.mightHave(key)), limit, exclude),
      members: (entity, anchorKeys) => store.members(entity, anchorKeys),
      clusterSizes: (entity, anchorKeys) => store.clusterSizes(entity, anchorKeys),
      decisions: (entity, keys) => store.decisions(entity, keys),
    };
  }

  /** Match keys of records about to be written. */
  rememberMatchKeys(records: readonly { matchKeys: readonly string[] }[]): void {
    for (const record of records) for (const key of record.matchKeys) this.#matchKeys.add(key);
  }
}
