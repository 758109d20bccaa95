import { describe, expect, it } from 'vitest';
import { canonicalValue, jsonbText } from '../../../pipelines/reconcile/canonical-value.js';
import { diffRanges, type ExpectedDigest, type TargetProbe } from '../../../pipelines/reconcile/range-diff.js';

/** A target held in memory: the algorithm is pure; the SQL side is tested against real databases. */
function targetOf(rows: Map<string, bigint>): TargetProbe & { calls: number } {
  const probe = {
    calls: 0,
    async checksum(keys: readonly string[]) {
      probe.calls++;
      let count = 0;
      let sum = 0n;
      for (const key of keys) {
        const digest = rows.get(key);
        if (digest !== undefined) {
          count++;
          sum += digest;
        }
      }
      return { count, sum };
    },
    async digests(keys: readonly string[]) {
      probe.calls++;
      return new Map(keys.flatMap((key) => (rows.has(key) ? [[key, rows.get(key)!] as const] : [])));
    },
  };
  return probe;
}

const expected: ExpectedDigest[] = Array.from({ length: 2_000 }, (_, i) => ({ key: `k${i}`, digest: BigInt(i * 7919 + 13) }));

describe('diffRanges', () => {
  it('checks an identical range with one checksum', async () => {
    const target = targetOf(new Map(expected.map((row) => [row.key, row.digest])));
    expect(await diffRanges(expected, target)).toEqual({ differing: [], missing: [], checksums: 1, rowsFetched: 0 });
  });

  it('bisects down to the one changed row and the one missing row', async () => {
    const rows = new Map(expected.map((row) => [row.key, row.digest]));
    rows.set('k1234', 1n);
    rows.delete('k77');
    const target = targetOf(rows);
    const result = await diffRanges(expected, target, 32);
    expect(result.differing).toEqual(['k1234']);
    expect(result.missing).toEqual(['k77']);
    // Two paths of log2(2000 / 32) ≈ 6 levels, two checksums per level, plus two leaf listings.
    expect(result.checksums).toBeLessThanOrEqual(2 * 2 * 7 + 1);
    expect(result.rowsFetched).toBeLessThanOrEqual(2 * 32);
  });

  it('refuses a leaf size that is not a positive integer', async () => {
    await expect(diffRanges(expected, targetOf(new Map()), 0)).rejects.toThrow('Expected `leafSize` to be an integer ≥ 1, got `0` (number)');
  });
});

describe('canonicalValue', () => {
  it('writes decimals without trailing zeros, instants as milliseconds, empty text as NULL', () => {
    expect(canonicalValue('0012.3400', 'number')).toBe('12.34');
    expect(canonicalValue('-0.00', 'number')).toBe('0');
    expect(canonicalValue(1e-7, 'number')).toBe('0.0000001');
    expect(canonicalValue('2024-03-01T16:30:00+08:00', 'instant')).toBe(String(Date.UTC(2024, 2, 1, 8, 30)));
    expect(canonicalValue('', 'text')).toBeNull();
    expect(canonicalValue('CN ', 'padded')).toBe('CN');
    expect(canonicalValue('not a number', 'number')).toBe('?not a number');
  });

  it('prints JSON the way jsonb does', () => {
    expect(jsonbText({ bb: 1, a: [1, 'x', null], c: { z: true } })).toBe('{"a": [1, "x", null], "c": {"z": true}, "bb": 1}');
  });
});
