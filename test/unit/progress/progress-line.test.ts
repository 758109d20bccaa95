/**
 * What the progress line writes, with a clock the test moves: redrawn in place on a terminal,
 * plain lines where asked for (first batch, a new total, then every ten seconds), nothing when off.
 */
import { describe, expect, it } from 'vitest';
import { emptyLedger } from '../../../pipelines/state/ledger.js';
import { progressMode } from '../../../scripts/commands/command-context.js';
import { ProgressLine, progressDisplay, type ProgressDisplay } from '../../../scripts/progress.js';

function harness(display: ProgressDisplay) {
  let now = 0;
  let written = '';
  const out = { write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream;
  const line = new ProgressLine(out, display, () => now);
  return {
    line,
    advance: (ms: number) => (now += ms),
    batch: (read: number, position?: { done: number; total: number }) => line.batchCommitted('customers', { ...emptyLedger(), read }, position),
    output: () => written,
    /** Plain lines without their `HH:MM:SS ` time. */
    lines: () => written.split('\n').filter(Boolean).map((text) => text.replace(/^\d\d:\d\d:\d\d /, '')),
  };
}

describe('plain progress lines (CUTOVER_PROGRESS=lines)', () => {
  it('prints the first batch, a total when it arrives, then one line per ten seconds; no carriage returns', () => {
    const h = harness('lines');
    h.line.entityStarted('customers');
    h.advance(1_000);
    h.batch(100);
    h.advance(1_000);
    h.batch(200); // within ten seconds, nothing new known: not printed
    h.line.entityTotal('customers', { rows: 1_000, estimate: true });
    h.advance(1_000);
    h.batch(300); // the estimate arrived: printed
    h.line.entityTotal('customers', { rows: 1_000, estimate: false });
    h.advance(1_000);
    h.batch(400); // the exact count replaced it: printed
    h.line.entityTotal('customers', { rows: 1_000, estimate: false });
    h.advance(1_000);
    h.batch(500); // the same count again: not printed
    h.advance(10_000);
    h.batch(900);
    expect(h.lines()).toEqual([
      'progress customers  100 rows  100 rows/s',
      'progress customers  300 of ~1,000 rows  100 rows/s  ~30%  ETA 0:07',
      'progress customers  400 of 1,000 rows  100 rows/s  40%  ETA 0:06',
      'progress customers  900 of 1,000 rows  60 rows/s  90%  ETA 0:02',
    ]);
    expect(h.output()).not.toContain('\r');
  });

  it('shows a file source by its position from the first batch', () => {
    const h = harness('lines');
    h.line.entityStarted('customers');
    h.advance(2_000);
    h.batch(500, { done: 65_536, total: 262_144 });
    expect(h.lines()).toEqual(['progress customers  500 rows  250 rows/s  ~25%  ETA 0:06']);
  });

  it('ignores a total for another entity (a count answering late)', () => {
    const h = harness('lines');
    h.line.entityStarted('customers');
    h.line.entityTotal('opportunities', { rows: 10, estimate: false });
    h.advance(1_000);
    h.batch(5);
    expect(h.lines()).toEqual(['progress customers  5 rows  5 rows/s']);
  });

  it('prints retries as lines of their own', () => {
    const h = harness('lines');
    h.line.retrying('reading customers', { error: { code: 'ECONNRESET' }, attempt: 1, attempts: 6, delayMs: 2_000 } as never);
    expect(h.lines()).toEqual(['progress reading customers: ECONNRESET, retrying in 2.0 s (attempt 2 of 6)']);
  });
});

describe('the terminal line', () => {
  it('is redrawn in place with a bar, at most ten times a second, and cleared at the end', () => {
    const h = harness('line');
    h.line.entityStarted('customers');
    h.line.entityTotal('customers', { rows: 1_000, estimate: false });
    h.advance(1_000);
    h.batch(500);
    h.advance(50);
    h.batch(600); // 50 ms after the last draw: skipped
    h.line.entityFinished();
    expect(h.output()).toBe(
      '\r\x1b[2Kcustomers  0 rows  0 rows/s' + '\r\x1b[2Kcustomers  500 of 1,000 rows  500 rows/s  [##########..........] 50%  ETA 0:01' + '\r\x1b[2K',
    );
  });
});

describe('no progress', () => {
  it('writes nothing and asks for no totals', () => {
    const h = harness('off');
    h.line.entityStarted('customers');
    h.line.entityTotal('customers', { rows: 10, estimate: false });
    h.batch(5);
    h.line.retrying('x', { error: {}, attempt: 0, attempts: 1, delayMs: 1 } as never);
    expect(h.output()).toBe('');
    expect(h.line.wantsTotals).toBe(false);
    expect(harness('lines').line.wantsTotals).toBe(true);
  });
});

describe('which display', () => {
  it('draws the line on a terminal, nothing elsewhere unless lines are asked for, nothing with --no-progress or --quiet', () => {
    expect(progressDisplay(true, 'auto', true)).toBe('line');
    expect(progressDisplay(true, 'auto', false)).toBe('off');
    expect(progressDisplay(true, 'lines', false)).toBe('lines');
    expect(progressDisplay(true, 'lines', true)).toBe('lines');
    expect(progressDisplay(true, 'off', true)).toBe('off');
    expect(progressDisplay(false, 'lines', true)).toBe('off');
  });

  it('reads CUTOVER_PROGRESS, refusing an unknown value in one line that lists the valid ones', () => {
    expect(progressMode(undefined)).toBe('auto');
    expect(progressMode('')).toBe('auto');
    expect(progressMode('lines')).toBe('lines');
    expect(() => progressMode('yes')).toThrow('Expected `CUTOVER_PROGRESS` to be one of auto, lines, off, got `yes`');
  });
});
