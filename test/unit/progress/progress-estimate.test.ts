/** The progress line's arithmetic: share done, approximate or not, and the time left at the pace so far. */
import { describe, expect, it } from 'vitest';
import { estimateProgress, formatDuration, formatShare, remainingSeconds } from '../../../scripts/progress-estimate.js';

const sample = { read: 0, elapsedSeconds: 0, total: null, position: null };

describe('estimateProgress', () => {
  it('measures rows against an exact count: 2,500 of 10,000 in 10 s is 25 % with 30 s left', () => {
    const estimate = estimateProgress({ ...sample, read: 2_500, elapsedSeconds: 10, total: { rows: 10_000, estimate: false } });
    expect(estimate).toEqual({ share: 0.25, approximate: false, etaSeconds: 30, totalRows: 10_000 });
    expect(formatShare(estimate)).toBe('25%');
  });

  it('marks a share from table statistics as approximate', () => {
    const estimate = estimateProgress({ ...sample, read: 4_000, elapsedSeconds: 8, total: { rows: 5_000, estimate: true } });
    expect(estimate).toMatchObject({ share: 0.8, approximate: true, totalRows: 5_000 });
    expect(estimate.etaSeconds).toBeCloseTo(2);
    expect(formatShare(estimate)).toBe('~80%');
  });

  it('drops statistics the read has passed (they were stale) rather than showing over 100 %', () => {
    expect(estimateProgress({ ...sample, read: 5_200, elapsedSeconds: 8, total: { rows: 5_000, estimate: true } })).toEqual({ share: null, approximate: false, etaSeconds: null, totalRows: null });
  });

  it('falls back on the file position once stale statistics are passed, if there is one', () => {
    const estimate = estimateProgress({ read: 5_200, elapsedSeconds: 8, total: { rows: 5_000, estimate: true }, position: { done: 800, total: 1_000 } });
    expect(estimate).toMatchObject({ share: 0.8, approximate: true, totalRows: null });
  });

  it('holds an exact count passed (rows added while reading) at 100 % with nothing left', () => {
    const estimate = estimateProgress({ ...sample, read: 10_050, elapsedSeconds: 20, total: { rows: 10_000, estimate: false } });
    expect(estimate).toEqual({ share: 1, approximate: false, etaSeconds: 0, totalRows: 10_000 });
    expect(formatShare(estimate)).toBe('100%');
  });

  it('measures a file by bytes read against its size, approximate, from the first batch', () => {
    const estimate = estimateProgress({ ...sample, read: 500, elapsedSeconds: 3, position: { done: 65_536, total: 262_144 } });
    expect(estimate).toEqual({ share: 0.25, approximate: true, etaSeconds: 9, totalRows: null });
    expect(formatShare(estimate)).toBe('~25%');
  });

  it('prefers a count to the bytes of a file', () => {
    expect(estimateProgress({ read: 100, elapsedSeconds: 1, total: { rows: 1_000, estimate: false }, position: { done: 1, total: 2 } }).share).toBe(0.1);
  });

  it('knows nothing without a total or a position, or with a total of 0', () => {
    const unknown = { share: null, approximate: false, etaSeconds: null, totalRows: null };
    expect(estimateProgress({ ...sample, read: 10, elapsedSeconds: 1 })).toEqual(unknown);
    expect(estimateProgress({ ...sample, read: 10, elapsedSeconds: 1, total: { rows: 0, estimate: false } })).toEqual(unknown);
    expect(estimateProgress({ ...sample, read: 10, elapsedSeconds: 1, position: { done: 0, total: 0 } })).toEqual(unknown);
    expect(formatShare(unknown)).toBe('');
  });

  it('rounds the share down, so that 100 % means done', () => {
    expect(formatShare(estimateProgress({ ...sample, read: 9_999, elapsedSeconds: 1, total: { rows: 10_000, estimate: false } }))).toBe('99%');
  });
});

describe('remainingSeconds', () => {
  it('is the elapsed time scaled by what is left over what is done', () => {
    expect(remainingSeconds(0.5, 60)).toBe(60);
    expect(remainingSeconds(0.1, 10)).toBeCloseTo(90);
    expect(remainingSeconds(1, 60)).toBe(0);
  });

  it('cannot be told before anything is done or any time has passed', () => {
    expect(remainingSeconds(0, 10)).toBeNull();
    expect(remainingSeconds(0.5, 0)).toBeNull();
    expect(remainingSeconds(Number.NaN, 10)).toBeNull();
  });
});

describe('formatDuration', () => {
  it('writes minutes and seconds, with hours past an hour', () => {
    expect(formatDuration(7)).toBe('0:07');
    expect(formatDuration(725)).toBe('12:05');
    expect(formatDuration(3_723)).toBe('1:02:03');
    expect(formatDuration(59.6)).toBe('1:00');
  });

  it('writes - when unknown', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('-');
    expect(formatDuration(-1)).toBe('-');
  });
});
