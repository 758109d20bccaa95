/**
 * The dedupe state held in memory, answering the runner's dedupe stage the way the state tables
 * do (a match key shared by more than `limit` records finds nobody), so that matching quality can
 * be measured without a database. Not a stand-in for the database in tests of the runner.
 */
import type { DedupeDelta, DedupeReader } from '../../pipelines/runner/stages/dedupe-stage.js';
import type { CandidateLists, DedupeRecord, ReviewDecision } from '../../pipelines/state/dedupe-store.js';

export class MemoryDedupeStore implements DedupeReader {
  readonly #records = new Map<string, DedupeRecord>();
  readonly #index = new Map<string, string[]>();
  readonly #members = new Map<string, Set<string>>();
  /** Stored records handed out as candidates so far: each is one comparison the stage makes. */
  candidatesServed = 0;

  async records(_entity: string, keys: readonly string[]): Promise<Map<string, DedupeRecord>> {
    return new Map(keys.filter((key) => this.#records.has(key)).map((key) => [key, this.#records.get(key)!]));
  }

  async members(_entity: string, anchorKeys: readonly string[]): Promise<DedupeRecord[]> {
    return anchorKeys.flatMap((anchor) => [...(this.#members.get(anchor) ?? [])].map((key) => this.#records.get(key)!));
  }

  async candidates(_entity: string, matchKeys: readonly string[], limit: number, exclude: readonly string[] = []): Promise<CandidateLists> {
    const found: CandidateLists = new Map();
    const excluded = new Set(exclude);
    for (const matchKey of matchKeys) {
      const keys = (this.#index.get(matchKey) ?? []).filter((key) => !excluded.has(key));
      if (keys.length === 0) continue;
      if (keys.length > limit) {
        found.set(matchKey, null);
        continue;
      }
      found.set(matchKey, keys.map((key) => this.#records.get(key)!));
      this.candidatesServed += keys.length;
    }
    return found;
  }

  async clusterSizes(_entity: string, anchorKeys: readonly string[]): Promise<Map<string, number>> {
    return new Map(anchorKeys.filter((anchor) => this.#members.has(anchor)).map((anchor) => [anchor, this.#members.get(anchor)!.size]));
  }

  async decisions(): Promise<Map<string, ReviewDecision>> {
    return new Map();
  }

  /** What committing the batch writes: records with their cluster, and the match-key index of new ones. */
  apply(delta: DedupeDelta): void {
    for (const { matchKeys, fresh: _fresh, ...record } of delta.records) {
      const before = this.#records.get(record.key);
      if (before) this.#members.get(before.anchorKey)?.delete(record.key);
      else
        for (const matchKey of matchKeys) {
          const keys = this.#index.get(matchKey);
          if (keys) keys.push(record.key);
          else this.#index.set(matchKey, [record.key]);
        }
      this.#records.set(record.key, record);
      let members = this.#members.get(record.anchorKey);
      if (!members) this.#members.set(record.anchorKey, (members = new Set()));
      members.add(record.key);
    }
  }

  /** Clusters of more than one record, as lists of legacy keys. */
  clusters(): string[][] {
    return [...this.#members.values()].filter((members) => members.size > 1).map((members) => [...members]);
  }
}
