/**
 * The progress line people watch during a long run (rows, rows/s, ETA), drawn on stderr when it is
 * a terminal. A separate channel from the JSON logs; log lines clear it before they print.
 */
import type { RetryEvent } from '../connectors/retry.js';
import type { RunObserver } from '../pipelines/runner/run-events.js';
import type { LedgerCounts } from '../pipelines/state/ledger.js';

export class ProgressLine implements RunObserver {
  readonly #out: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #entity = '';
  #total: number | null = null;
  #started = 0;
  #read = 0;
  #lastDraw = 0;
  #visible = false;

  constructor(out: NodeJS.WriteStream, enabled: boolean) {
    this.#out = out;
    this.#enabled = enabled && out.isTTY === true;
  }

  entityStarted(entity: string): void {
    this.#entity = entity;
    this.#total = null;
    this.#read = 0;
    this.#started = performance.now();
    this.#draw(true);
  }

  entityTotal(entity: string, total: number): void {
    if (entity === this.#entity) this.#total = total;
  }

  batchCommitted(entity: string, totals: Readonly<LedgerCounts>): void {
    this.#entity = entity;
    this.#read = totals.read;
    this.#draw(false);
  }

  entityFinished(): void {
    this.clear();
  }

  /** A wait between attempts shows on the line (the log file has each retry): a run waiting is not a run hung. */
  retrying(what: string, event: RetryEvent): void {
    if (!this.#enabled) return;
    this.#out.write(`\r\x1b[2K${what}: ${event.error.code ?? 'failed'}, retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1} of ${event.attempts})`);
    this.#visible = true;
  }

  /** Removes the line so that other output starts on a clean row. */
  clear(): void {
    if (!this.#visible) return;
    this.#out.write('\r\x1b[2K');
    this.#visible = false;
  }

  #draw(force: boolean): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#read / seconds : 0;
    let line = `${this.#entity}  ${this.#read.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s`;
    if (this.#total !== null && this.#total > 0) {
      const share = Math.min(1, this.#read / this.#total);
      const filled = Math.round(share * 20);
      const eta = rate > 0 ? Math.max(0, (this.#total - this.#read) / rate) : NaN;
      line += `  [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${Math.round(share * 100)}%  ETA ${formatDuration(eta)}`;
    }
    this.#out.write(`\r\x1b[2K${line}`);
    this.#visible = true;
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
