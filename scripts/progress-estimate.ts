/**
 * The arithmetic of the progress line: how far an entity's read is and when it should end, from
 * what is known of its size. Pure, so that it can be tested without a clock or a terminal.
 */
import type { ReadPosition } from '../connectors/types.js';
import type { RowTotal } from '../pipelines/session/run-events.js';

export interface ProgressSample {
  /** Source rows read (and committed) so far. */
  readonly read: number;
  /** Since the entity started. */
  readonly elapsedSeconds: number;
  /** Rows the read will yield, counted or estimated; null while unknown. */
  readonly total: RowTotal | null;
  /** How far through its file the read is; null for sources that are not files. */
  readonly position: ReadPosition | null;
}

export interface ProgressEstimate {
  /** Share done, from 0 to 1; null when there is nothing to measure it against. */
  readonly share: number | null;
  /** True when the share is approximate (table statistics, bytes of a file): shown with `~`. */
  readonly approximate: boolean;
  /** Seconds left at the pace so far; null while it cannot be told. */
  readonly etaSeconds: number | null;
  /** The rows to read, when a count or the statistics give them (not guessed from bytes). */
  readonly totalRows: number | null;
}

const UNKNOWN: ProgressEstimate = { share: null, approximate: false, etaSeconds: null, totalRows: null };

/**
 * Rows against a count or estimate come first; a file's bytes otherwise. An estimate the read
 * has already passed says nothing any more (stale statistics): the share is then unknown. An
 * exact count passed (rows added during the read) holds at 100 %.
 */
export function estimateProgress(sample: ProgressSample): ProgressEstimate {
  const { read, elapsedSeconds, total, position } = sample;
  let share: number;
  let approximate: boolean;
  let totalRows: number | null = null;
  if (total !== null && total.rows > 0 && !(total.estimate && read >= total.rows)) {
    share = Math.min(1, read / total.rows);
    approximate = total.estimate;
    totalRows = total.rows;
  } else if (position !== null && position.total > 0) {
    share = Math.min(1, Math.max(0, position.done / position.total));
    approximate = true;
  } else {
    return UNKNOWN;
  }
  return { share, approximate, etaSeconds: remainingSeconds(share, elapsedSeconds), totalRows };
}

/**
 * At the pace so far: what took `elapsed` for `share` takes `elapsed × (1 − share) / share` for
 * the rest. The same as rows left over rows per second when the share is rows read over a total.
 */
export function remainingSeconds(share: number, elapsedSeconds: number): number | null {
  if (!(share > 0) || !(elapsedSeconds > 0)) return null;
  if (share >= 1) return 0;
  return (elapsedSeconds * (1 - share)) / share;
}

/** `0:07`, `12:05`, `1:02:03`; `-` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** `40%`, or `~40%` when approximate; rounded down, so that 100 % means done. */
export function formatShare(estimate: ProgressEstimate): string {
  if (estimate.share === null) return '';
  return `${estimate.approximate ? '~' : ''}${Math.floor(estimate.share * 100)}%`;
}
