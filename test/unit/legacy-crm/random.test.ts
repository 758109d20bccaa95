import { describe, expect, it } from 'vitest';
import { QuotaDraw, Random } from '../../../scripts/legacy-crm/random.js';

const draws = (random: Random, n: number) => Array.from({ length: n }, () => random.next());

describe('Random', () => {
  it('repeats its stream for the same seed and label, and differs for another', () => {
    expect(draws(new Random(42), 50)).toEqual(draws(new Random(42), 50));
    expect(draws(new Random(42), 50)).not.toEqual(draws(new Random(43), 50));
    expect(draws(new Random(42, 'a'), 50)).not.toEqual(draws(new Random(42, 'b'), 50));
  });

  it('forks streams that do not depend on how much of the parent was used', () => {
    const fresh = new Random(7);
    const used = new Random(7);
    draws(used, 1000);
    expect(draws(fresh.fork('tickets'), 20)).toEqual(draws(used.fork('tickets'), 20));
    expect(draws(fresh.fork('tickets'), 20)).not.toEqual(draws(fresh.fork('customers'), 20));
  });

  it('stays in range and looks uniform', () => {
    const random = new Random(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = random.next();
      if (value < 0 || value >= 1) outside++;
      else buckets[Math.floor(value * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(count).toBeGreaterThan(9_500);
    const ints = new Set(Array.from({ length: 1000 }, () => random.int(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
    expect(random.digits(8, '9')).toMatch(/^9\d{7}$/);
  });

  it('picks by weight', () => {
    const random = new Random(3);
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) if (random.weighted([['heavy', 9], ['light', 1]]) === 'heavy') heavy++;
    expect(heavy).toBeGreaterThan(8_800);
    expect(heavy).toBeLessThan(9_200);
  });
});

describe('QuotaDraw', () => {
  it('hands out exactly the quotas over the rows, spread over the whole range', () => {
    const draw = new QuotaDraw(new Random(5), 10_000, { a: 300, b: 100 });
    const seen = { a: [] as number[], b: [] as number[], none: 0 };
    for (let row = 0; row < 10_000; row++) {
      const category = draw.next();
      if (category === null) seen.none++;
      else seen[category].push(row);
    }
    expect(seen.a).toHaveLength(300);
    expect(seen.b).toHaveLength(100);
    expect(seen.none).toBe(9_600);
    expect(seen.a.filter((row) => row < 5_000).length).toBeGreaterThan(100);
    expect(seen.a.filter((row) => row >= 5_000).length).toBeGreaterThan(100);
  });
});
