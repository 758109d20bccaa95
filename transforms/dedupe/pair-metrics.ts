/**
 * How good a de-duplication is, pair by pair: a cluster of n records stands for its n·(n-1)/2
 * pairs, so precision is the share of merged pairs that are true duplicates and recall the share
 * of true duplicate pairs that were merged. Used by the benchmark and the quality tests.
 */

export interface PairMetrics {
  /** Merged pairs that are true duplicates. */
  readonly tp: number;
  /** Merged pairs that are not. */
  readonly fp: number;
  /** True duplicate pairs left apart. */
  readonly fn: number;
  /** tp / (tp + fp); 1 when nothing was merged. */
  readonly precision: number;
  /** tp / (tp + fn); 1 when there was nothing to find. */
  readonly recall: number;
  readonly f1: number;
}

/** Every pair of every cluster, each as one order-independent string. Singletons give none. */
export function pairsOfClusters(clusters: Iterable<readonly (string | number)[]>): Set<string> {
  const pairs = new Set<string>();
  for (const cluster of clusters) {
    const keys = cluster.map(String);
    for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) pairs.add(pairKey(keys[i]!, keys[j]!));
  }
  return pairs;
}

/** The same string for (a, b) and (b, a). */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u001f${b}` : `${b}\u001f${a}`;
}

export function pairMetrics(predicted: ReadonlySet<string>, truth: ReadonlySet<string>): PairMetrics {
  let tp = 0;
  for (const pair of predicted) if (truth.has(pair)) tp++;
  const fp = predicted.size - tp;
  const fn = truth.size - tp;
  const precision = predicted.size === 0 ? 1 : tp / predicted.size;
  const recall = truth.size === 0 ? 1 : tp / truth.size;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}
