import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../../pipelines/runner/stages/key-filter.js';

describe('KeyFilter', () => {
  it('never forgets a key it was given, across growth', () => {
    const filter = new KeyFilter(1_000);
    const keys = Array.from({ length: 50_000 }, (_, i) => `0\u001fcustomer-${i}@example.com`);
    for (const key of keys) filter.add(key);
    expect(keys.every((key) => filter.mightHave(key))).toBe(true);
    expect(filter.mightHave('')).toBe(false);
  });

  it('answers "maybe" for about 2 % of keys it was never given, at 8 bits a key', () => {
    const filter = new KeyFilter(200_000);
    for (let i = 0; i < 200_000; i++) filter.add(`2\u001fshanghai\u001f${i.toString(36)}`);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightHave(`2\u001fbeijing\u001f${i.toString(36)}`)) falsePositives++;
    expect(falsePositives / 100_000).toBeLessThan(0.03);
    expect(filter.bytes).toBe(200_000);
  });

  it('answers "maybe" for about 15 % of keys it was never given, at 4 bits a key and 3 probes', () => {
    const filter = new KeyFilter(200_000, { bitsPerKey: 4, probes: 3 });
    const keys = Array.from({ length: 200_000 }, (_, i) => `2\u001fshanghai\u001f${i.toString(36)}`);
    for (const key of keys) filter.add(key);
    expect(keys.every((key) => filter.mightHave(key))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightHave(`2\u001fbeijing\u001f${i.toString(36)}`)) falsePositives++;
    expect(falsePositives / 100_000).toBeGreaterThan(0.1);
    expect(falsePositives / 100_000).toBeLessThan(0.18);
    expect(filter.bytes).toBe(100_000);
  });

  it('holds CJK keys by their code units', () => {
    const filter = new KeyFilter();
    filter.add('2\u001f上海\u001f华为技术');
    expect(filter.mightHave('2\u001f上海\u001f华为技术')).toBe(true);
    expect(filter.mightHave('2\u001f上海\u001f华为技朮')).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new KeyFilter(0)).toThrow('Expected `capacity` to be an integer ≥ 1, got `0` (number)');
    expect(() => new KeyFilter(10, { bitsPerKey: 0 })).toThrow('Expected `bitsPerKey` to be an integer in 1…32, got `0`');
    expect(() => new KeyFilter(10, { probes: 2.5 })).toThrow('Expected `probes` to be an integer in 1…16, got `2.5`');
  });
});
