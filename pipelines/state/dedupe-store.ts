/**
 * The de-duplication state: every record of a dedupe entity with its cluster (`anchorKey`: the
 * legacy key whose target row the cluster shares), its match profile and mapped values (so
 * survivorship and splits never re-read the source), the match-key index that finds candidates
 * among everything loaded before, the merges (rule and score), and the pairs to review with the
 * decisions taken on them. Kept in PostgreSQL or PGlite by pg-dedupe-store.ts.
 */
import type { StateTransaction } from '../../connectors/sink.js';
import type { MatchProfile } from '../../transforms/dedupe/matcher.js';

export interface DedupeRecord {
  readonly key: string;
  readonly anchorKey: string;
  readonly profile: MatchProfile;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A record as a batch stores it: `fresh` when the state did not hold it as the batch was planned. */
export type StoredRecord = DedupeRecord & { readonly matchKeys: readonly string[]; readonly fresh?: boolean };

export interface Candidate {
  readonly key: string;
  readonly anchorKey: string;
  readonly profile: MatchProfile;
}

/** Candidates by match key; null for a key held by more records than the limit. */
export type CandidateLists = Map<string, Candidate[] | null>;

export const REVIEW_DECISIONS = ['merge', 'keep_apart'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export interface ReviewPair {
  readonly a: string;
  readonly b: string;
  readonly rule: string;
  readonly score: number;
  readonly decision: ReviewDecision | null;
}

export interface MergeRecord {
  readonly key: string;
  readonly anchorKey: string;
  readonly rule: string;
  readonly score: number;
}

/** A review pair or a merge, with both records' mapped values. */
export type PairWithValues = ReviewPair & { valuesA: Record<string, unknown>; valuesB: Record<string, unknown> };

/** What one batch (or review decision) changes in the dedupe state. */
export interface DedupeChanges {
  readonly records: readonly StoredRecord[];
  readonly merges: readonly MergeRecord[];
  /** Keys whose merge is undone (kept apart by review). */
  readonly unmerged: readonly string[];
  readonly reviews: readonly Omit<ReviewPair, 'decision'>[];
}

/** A pair is stored once, smaller key first. */
export function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export interface DedupeStore {
  /** The records of these keys that exist, with their cluster. */
  records(entity: string, keys: readonly string[], tx?: StateTransaction): Promise<Map<string, DedupeRecord>>;
  /** Every member of these clusters. */
  members(entity: string, anchorKeys: readonly string[], tx?: StateTransaction): Promise<DedupeRecord[]>;
  /**
   * Records sharing a match key, by key, leaving out the records in `exclude`. A key held by more
   * than `limit` records (a switchboard number, a generic address) maps to null: it cannot tell
   * records apart, and finds nobody.
   */
  candidates(entity: string, matchKeys: readonly string[], limit: number, exclude?: readonly string[]): Promise<CandidateLists>;
  clusterSizes(entity: string, anchorKeys: readonly string[]): Promise<Map<string, number>>;
  /** Decisions taken on pairs involving these keys: `a\u001fb` (ordered) → decision. */
  decisions(entity: string, keys: readonly string[]): Promise<Map<string, ReviewDecision>>;
  /**
   * Stores records (replacing their match keys), merges and pairs to review, in the caller's
   * transaction. Records marked `fresh` go in with the transaction's `append` where it has one.
   */
  commit(tx: StateTransaction, runId: number, entity: string, changes: DedupeChanges): Promise<void>;
  recordDecision(tx: StateTransaction, entity: string, a: string, b: string, decision: ReviewDecision): Promise<void>;
  /** Pairs still waiting for a decision, with both records' values, a page at a time (best scores first). */
  openReviewPages(entity: string, pageSize?: number): AsyncGenerator<PairWithValues[]>;
  /** Every merge as a pair (survivor, merged record) with both records' values, a page at a time. */
  mergedPairPages(entity: string, pageSize?: number): AsyncGenerator<PairWithValues[]>;
  merges(entity?: string): Promise<(MergeRecord & { entity: string; runId: number; mergedAt: string })[]>;
}
