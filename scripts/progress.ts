/**
 * The progress people watch during a long run (rows, rows/s, and with a total a percentage and
 * ETA), on stderr. On a terminal one line redrawn in place; where asked for (CI logs) plain lines
 * now and then, without carriage returns. A separate channel from the JSON logs; log lines clear
 * the terminal line before they print. Drawn at most ten times a second: no per-row work.
 */
import type { RetryEvent } from '../connectors/retry.js';
import type { ReadPosition } from '../connectors/types.js';
import type { RowTotal, RunObserver } from '../pipelines/session/run-events.js';
import type { LedgerCounts } from '../pipelines/state/ledger.js';
import { estimateProgress, formatDuration, formatShare, type ProgressEstimate } from './progress-estimate.js';

/** `CUTOVER_PROGRESS`: `auto` draws the line on a terminal only, `lines` prints plain lines anywhere, `off` nothing. */
export const PROGRESS_MODES = ['auto', 'lines', 'off'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** How progress shows: a line redrawn on a terminal, plain lines now and then, or not at all. */
export type ProgressDisplay = 'line' | 'lines' | 'off';

/** What shows, from `--no-progress`/`--quiet` (`enabled`), `CUTOVER_PROGRESS` and whether stderr is a terminal. */
export function progressDisplay(enabled: boolean, mode: ProgressMode, isTerminal: boolean): ProgressDisplay {
  if (!enabled || mode === 'off') return 'off';
  if (mode === 'lines') return 'lines';
  return isTerminal ? 'line' : 'off';
}

/** Plain lines: one at an entity's first batch and once a total is known, then one every ten seconds. */
const LINES_EVERY_MS = 10_000;
const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 20;

export class ProgressLine implements RunObserver {
  readonly #out: NodeJS.WritableStream;
  readonly #display: ProgressDisplay;
  readonly #clock: () => number;
  #entity = '';
  #total: RowTotal | null = null;
  #position: ReadPosition | null = null;
  #started = 0;
  #read = 0;
  #lastDraw = 0;
  /** Plain lines: the next batch prints, whatever the time (the first one, or a new total). */
  #printNext = false;
  #visible = false;

  /** `clock`: milliseconds, monotonic; for tests. */
  constructor(out: NodeJS.WritableStream, display: ProgressDisplay, clock: () => number = () => performance.now()) {
    this.#out = out;
    this.#display = display;
    this.#clock = clock;
  }

  /** Totals are counted only for a display that shows them. */
  get wantsTotals(): boolean {
    return this.#display !== 'off';
  }

  entityStarted(entity: string): void {
    this.#entity = entity;
    this.#total = null;
    this.#position = null;
    this.#read = 0;
    this.#started = this.#clock();
    this.#printNext = true;
    if (this.#display === 'line') this.#draw(true);
  }

  entityTotal(entity: string, total: RowTotal): void {
    if (entity !== this.#entity) return;
    const news = this.#total === null || this.#total.estimate !== total.estimate;
    this.#total = total;
    if (news) this.#printNext = true;
  }

  batchCommitted(entity: string, totals: Readonly<LedgerCounts>, position?: ReadPosition): void {
    this.#entity = entity;
    this.#read = totals.read;
    if (position !== undefined) this.#position = position;
    this.#draw(false);
  }

  entityFinished(): void {
    this.clear();
  }

  /** A wait between attempts shows (the log file has each retry): a run waiting is not a run hung. */
  retrying(what: string, event: RetryEvent): void {
    if (this.#display === 'off') return;
    const text = `${what}: ${event.error.code ?? 'failed'}, retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1} of ${event.attempts})`;
    if (this.#display === 'lines') {
      this.#out.write(`${clockTime()} progress ${text}\n`);
      return;
    }
    this.#out.write(`\r\x1b[2K${text}`);
    this.#visible = true;
  }

  /** Removes the terminal line so that other output starts on a clean row. */
  clear(): void {
    if (!this.#visible) return;
    this.#out.write('\r\x1b[2K');
    this.#visible = false;
  }

  #draw(force: boolean): void {
    if (this.#display === 'off') return;
    const now = this.#clock();
    if (this.#display === 'lines') {
      if (!this.#printNext && now - this.#lastDraw < LINES_EVERY_MS) return;
    } else if (!force && now - this.#lastDraw < REDRAW_EVERY_MS) return;
    this.#lastDraw = now;
    this.#printNext = false;
    const seconds = (now - this.#started) / 1000;
    const estimate = estimateProgress({ read: this.#read, elapsedSeconds: seconds, total: this.#total, position: this.#position });
    const line = describeProgress(this.#entity, this.#read, seconds, estimate, this.#display === 'line');
    if (this.#display === 'lines') {
      this.#out.write(`${clockTime()} progress ${line}\n`);
      return;
    }
    this.#out.write(`\r\x1b[2K${line}`);
    this.#visible = true;
  }
}

/**
 * `customers  12,000 of ~30,000 rows  3,000 rows/s  [########............] ~40%  ETA 0:04`; the
 * bar only on a terminal, the share and ETA only with a total or a file position.
 */
export function describeProgress(entity: string, read: number, elapsedSeconds: number, estimate: ProgressEstimate, bar: boolean): string {
  const rate = elapsedSeconds > 0 ? read / elapsedSeconds : 0;
  const of = estimate.totalRows === null ? '' : ` of ${estimate.approximate ? '~' : ''}${estimate.totalRows.toLocaleString('en-US')}`;
  let line = `${entity}  ${read.toLocaleString('en-US')}${of} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s`;
  if (estimate.share !== null) {
    const filled = Math.round(estimate.share * BAR_WIDTH);
    line += bar ? `  [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '  ';
    line += `${formatShare(estimate)}  ETA ${formatDuration(estimate.etaSeconds)}`;
  }
  return line;
}

/** `14:03:27`, as the log lines show it. */
function clockTime(): string {
  return new Date().toTimeString().slice(0, 8);
}
