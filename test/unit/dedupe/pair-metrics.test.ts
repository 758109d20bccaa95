import { describe, expect, it } from 'vitest';
import { pairKey, pairMetrics, pairsOfClusters } from '../../../transforms/dedupe/pair-metrics.js';

describe('pair metrics', () => {
  it('expands a cluster of n into n·(n-1)/2 pairs, in any order, singletons into none', () => {
    const pairs = pairsOfClusters([[3, 1, 2], ['9'], ['10', '4']]);
    expect(pairs.size).toBe(4);
    expect(pairs.has(pairKey('1', '3'))).toBe(true);
    expect(pairs.has(pairKey('3', '1'))).toBe(true);
    expect(pairs.has(pairKey('4', '10'))).toBe(true);
    // A key containing the separator of another notation cannot collide: "1|2"+"3" is not "1"+"2|3".
    expect(pairKey('1|2', '3')).not.toBe(pairKey('1', '2|3'));
  });

  it('counts true and false positives and misses', () => {
    // Truth: {1,2,3} and {4,5}: 4 pairs. Predicted: {1,2} and {3,4}: 1 true, 1 false; 3 missed.
    const metrics = pairMetrics(pairsOfClusters([[1, 2], [3, 4]]), pairsOfClusters([[1, 2, 3], [4, 5]]));
    expect(metrics).toMatchObject({ tp: 1, fp: 1, fn: 3, precision: 0.5, recall: 0.25 });
    expect(metrics.f1).toBeCloseTo(1 / 3, 10);
  });

  it('is perfect when nothing was to be found and nothing was merged, and 0 when nothing merged was right', () => {
    expect(pairMetrics(new Set(), new Set())).toEqual({ tp: 0, fp: 0, fn: 0, precision: 1, recall: 1, f1: 1 });
    expect(pairMetrics(pairsOfClusters([[1, 2]]), pairsOfClusters([[3, 4]]))).toEqual({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
  });
});
