/**
 * Where an incremental run starts: the committed watermark moved back by the lookback window, so
 * that rows committed late (long transactions, clock skew between application servers) with a
 * cursor just behind the watermark are still read. Re-read rows cost a hash comparison, no write.
 */
import type { Watermark } from '../../connectors/types.js';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?(.*)$/;

/**
 * The read position for a run: every row with a cursor at or after `watermark.cursor − lookback`.
 * Returns the watermark unchanged when the cursor is not a timestamp (a version number, say) or
 * when there is no lookback. The key is null: all keys at that cursor are included.
 */
export function rewindWatermark(watermark: Watermark | null, lookbackSeconds: number): Watermark | null {
  if (watermark === null || lookbackSeconds <= 0 || typeof watermark.cursor !== 'string') return watermark;
  const rewound = rewindTimestamp(watermark.cursor, lookbackSeconds);
  return rewound === null ? watermark : { cursor: rewound, key: null };
}

/** `2024-05-01 10:00:00` minus 300 s → `2024-05-01 09:55:00`, keeping the input's shape and suffix. */
export function rewindTimestamp(text: string, seconds: number): string | null {
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction = '', suffix = ''] = match;
  const dateOnly = h === undefined;
  const millis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) - seconds * 1000;
  if (!Number.isFinite(millis)) return null;
  const iso = new Date(millis).toISOString();
  if (dateOnly) return `${iso.slice(0, 10)}${suffix}`;
  const separator = text[10];
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${fraction ? fraction.replace(/\d/g, '0') : ''}${suffix}`;
}
