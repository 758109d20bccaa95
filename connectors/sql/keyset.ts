/**
 * Keyset pagination shared by the database sources: pages ordered by `(cursor, key)` with NULL
 * cursors first, each page strictly after the last row of the previous one. The database orders
 * the rows; JavaScript never re-sorts them (collations differ).
 */
import type { Row, SourceBatch, SourceRow, Watermark, WatermarkValue } from '../types.js';
import { FatalError } from '../errors.js';

/**
 * Connections a pool needs for a bounded count beside a read: the read holds up to two (a page and
 * the next, prefetched), and the count one more for as long as its limit. A smaller pool would
 * make the read wait for the count, so it is not counted.
 */
export const POOL_SIZE_TO_COUNT_BESIDE_A_READ = 3;

export interface KeysetPageRequest {
  readonly after: Watermark | null;
  readonly limit: number;
  /**
   * Aborts when the read's signal does, or when the consumer stops reading while this page is in
   * flight (a prefetched page no one will take): the fetch then cancels its statement.
   */
  readonly signal: AbortSignal;
}

export interface KeysetOptions {
  readonly key: string;
  readonly cursor?: string | undefined;
  readonly batchSize: number;
  readonly after: Watermark | null | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Fetches one page; must be safe to retry, and reject with the signal's reason once it aborts. */
  fetchPage(request: KeysetPageRequest): Promise<Row[]>;
  /** `legacy_crm.customers id=42`. */
  origin(row: Row): string;
}

/**
 * Yields batches page by page, fetching the next page while the consumer works on the current one,
 * so that reads overlap with writes. At most one page is in flight.
 */
export async function* readKeysetPages(options: KeysetOptions): AsyncGenerator<SourceBatch> {
  const { key, cursor, batchSize, signal } = options;
  signal?.throwIfAborted();
  // One signal for every page of the read: the caller's abort, or the consumer leaving with a page in flight.
  const pages = new AbortController();
  const forwardAbort = () => pages.abort(signal!.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });
  let after = options.after ?? null;
  let pending: Promise<Row[]> | null = null;
  // The next page is fetched while this generator waits at `yield`; a failure then (a lost
  // connection) is thrown when the page is awaited, and must not count as unhandled before that.
  const fetchPage = (from: Watermark | null): Promise<Row[]> => {
    const page = options.fetchPage({ after: from, limit: batchSize, signal: pages.signal });
    page.catch(() => undefined);
    return page;
  };
  try {
    pending = fetchPage(after);
    for (;;) {
      const page = await (pending ?? fetchPage(after));
      pending = null;
      signal?.throwIfAborted();
      if (page.length === 0) return;
      const lastRow = page[page.length - 1]!;
      const last = watermarkOf(lastRow, key, cursor);
      assertAdvances(after, page[0]!, key, cursor);
      after = last;
      if (page.length === batchSize) pending = fetchPage(after);
      const rows: SourceRow[] = new Array(page.length);
      for (let i = 0; i < page.length; i++) {
        const data = page[i]!;
        rows[i] = { key: String(data[key]), data, origin: options.origin(data) };
      }
      yield { rows, rejects: [], last };
      if (page.length < batchSize) return;
    }
  } finally {
    signal?.removeEventListener('abort', forwardAbort);
    // The consumer broke out (or failed) with the next page in flight: its statement is cancelled
    // rather than left running for no one, and its rejection is already handled (fetchPage).
    if (pending) pages.abort(new DOMException('the read stopped before this page was taken', 'AbortError'));
  }
}

/**
 * The rows strictly after `after` in the order `cursor` (NULL first), `key`, as one condition;
 * `bind` adds a value and returns its placeholder. Written as `cursor >= ? AND (cursor > ? OR key > ?)`
 * so that the optimiser uses a range on an index of `(cursor, key)`. A null `after` (or key, with
 * no cursor) takes every row; a rewound watermark (key null) every row from its cursor on.
 */
export function keysetCondition(after: Watermark | null, key: string, cursor: string | undefined, bind: (value: WatermarkValue) => string): string {
  if (after === null) return '1=1';
  if (cursor === undefined) return after.key === null ? '1=1' : `${key} > ${bind(after.key)}`;
  if (after.cursor === null) {
    return after.key === null ? '1=1' : `((${cursor} IS NULL AND ${key} > ${bind(after.key)}) OR ${cursor} IS NOT NULL)`;
  }
  if (after.key === null) return `${cursor} >= ${bind(after.cursor)}`;
  return `${cursor} >= ${bind(after.cursor)} AND (${cursor} > ${bind(after.cursor)} OR ${key} > ${bind(after.key)})`;
}

export function watermarkOf(row: Row, key: string, cursor: string | undefined): Watermark {
  return { cursor: cursor === undefined ? null : toWatermarkValue(row[cursor]), key: toWatermarkValue(row[key]) ?? '' };
}

function toWatermarkValue(value: unknown): WatermarkValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The first row of a page must come after the previous watermark (Meltano's `check_sorted`).
 * Only values whose order JavaScript knows for certain are compared: numbers, and ASCII text
 * such as timestamps; other text is left to the database's collation.
 */
function assertAdvances(after: Watermark | null, first: Row, key: string, cursor: string | undefined): void {
  if (after === null) return;
  const next = watermarkOf(first, key, cursor);
  const byCursor = compareKnown(after.cursor, next.cursor);
  const order = byCursor === 0 ? compareKnown(after.key, next.key) : byCursor;
  if (order !== undefined && order >= 0) {
    throw new FatalError(
      `source returned rows out of keyset order: (${String(next.cursor)}, ${String(next.key)}) after (${String(after.cursor)}, ${String(after.key)}); ` +
        'check that the key is unique and the cursor column is not changing type',
    );
  }
}

function compareKnown(a: WatermarkValue | null, b: WatermarkValue | null): number | undefined {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string' && isAscii(a) && isAscii(b) && sameShape(a, b)) return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** Digit-for-digit shapes (timestamps, zero-padded codes) compare the same in every collation. */
function sameShape(a: string, b: string): boolean {
  return a.replace(/\d/g, '0') === b.replace(/\d/g, '0');
}
