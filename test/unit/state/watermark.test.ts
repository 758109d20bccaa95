import { describe, expect, it } from 'vitest';
import { rewindTimestamp, rewindWatermark } from '../../../pipelines/state/watermark.js';
import { accounted, emptyLedger, unaccounted } from '../../../pipelines/state/ledger.js';

describe('rewindWatermark', () => {
  it('moves a timestamp cursor back by the lookback and includes every key at that cursor', () => {
    expect(rewindWatermark({ cursor: '2024-05-01 10:00:00', key: 42 }, 300)).toEqual({ cursor: '2024-05-01 09:55:00', key: null });
  });

  it('keeps the shape of the cursor: T separator, fractions, offsets, dates', () => {
    expect(rewindTimestamp('2024-01-01T00:00:30.123+00', 60)).toBe('2023-12-31T23:59:30.000+00');
    expect(rewindTimestamp('2024-03-01', 1)).toBe('2024-02-29');
  });

  it('leaves non-timestamp cursors and zero lookback alone', () => {
    expect(rewindWatermark({ cursor: 1234, key: 5 }, 300)).toEqual({ cursor: 1234, key: 5 });
    expect(rewindWatermark({ cursor: 'v17', key: 5 }, 300)).toEqual({ cursor: 'v17', key: 5 });
    expect(rewindWatermark({ cursor: '2024-05-01 10:00:00', key: 5 }, 0)).toEqual({ cursor: '2024-05-01 10:00:00', key: 5 });
    expect(rewindWatermark(null, 300)).toBeNull();
  });
});

describe('ledger', () => {
  it('counts every bucket once and reports what is unaccounted', () => {
    const ledger = { ...emptyLedger(), read: 10, inserted: 3, updated: 1, unchanged: 2, merged: 1, rejected: 2, filtered: 1, deleted: 4 };
    expect(accounted(ledger)).toBe(10);
    expect(unaccounted(ledger)).toBe(0);
    expect(unaccounted({ ...ledger, read: 11 })).toBe(1);
  });
});
