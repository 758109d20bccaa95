/**
 * Which totals the runner gathers for the progress line: the statistics only on a full read
 * (they describe the whole table), the count with the read's own starting point, nothing when
 * nobody shows totals, and nothing heard once the entity has ended.
 */
import { describe, expect, it } from 'vitest';
import type { BoundedCountRequest, Source } from '../../../connectors/types.js';
import { createLogger } from '../../../pipelines/logger.js';
import { followEntityTotal, TOTAL_COUNT_LIMIT_MS } from '../../../pipelines/runner/entity-total.js';
import type { RowTotal, RunObserver } from '../../../pipelines/session/run-events.js';

const log = createLogger({ file: null, terminal: null });
const entity = { table: 'customers', key: 'id', cursor: 'updated_at' };

function databaseLike(options: { estimate?: number | null; count?: () => Promise<number | null> } = {}) {
  const counts: BoundedCountRequest[] = [];
  let estimates = 0;
  const source: Source = {
    capabilities: { resumable: true, pushdownWhere: true, uniqueKeys: true, keyLookup: true },
    read: () => (async function* () {})(),
    count: async () => 0,
    describe: async () => [],
    close: async () => undefined,
    estimateRows: async () => {
      estimates++;
      return options.estimate === undefined ? 900 : options.estimate;
    },
    countBounded: (request) => {
      counts.push(request);
      return options.count ? options.count() : Promise.resolve(1_000);
    },
  };
  return { source, counts, estimates: () => estimates };
}

function recorder(wantsTotals?: boolean) {
  const totals: RowTotal[] = [];
  const observer: RunObserver = { ...(wantsTotals === undefined ? {} : { wantsTotals }), entityTotal: (_entity, total) => totals.push(total) };
  return { observer, totals };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('followEntityTotal', () => {
  it('on a full read: the statistics before the read starts, then the exact count', async () => {
    const { source, counts } = databaseLike();
    const { observer, totals } = recorder();
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after: null, observer, log });
    // The estimate is told before followEntityTotal resolves (the read has not started), the count after it.
    expect(totals[0]).toEqual({ rows: 900, estimate: true });
    await settle();
    expect(totals).toEqual([{ rows: 900, estimate: true }, { rows: 1_000, estimate: false }]);
    expect(counts).toMatchObject([{ entity, after: null, timeoutMs: TOTAL_COUNT_LIMIT_MS }]);
    stop();
  });

  it('on an incremental read: no statistics, the count of the rows after the (rewound) watermark', async () => {
    const { source, counts, estimates } = databaseLike();
    const { observer, totals } = recorder();
    const after = { cursor: '2024-01-01 00:00:00', key: null };
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after, observer, log });
    await settle();
    expect(estimates()).toBe(0);
    expect(counts.map((request) => request.after)).toEqual([after]);
    expect(totals).toEqual([{ rows: 1_000, estimate: false }]);
    stop();
  });

  it('without statistics or with a count given up, tells only what it has', async () => {
    const { source } = databaseLike({ estimate: null, count: async () => null });
    const { observer, totals } = recorder();
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after: null, observer, log });
    await settle();
    expect(totals).toEqual([]);
    stop();
  });

  it('goes on without a total when counting fails', async () => {
    const { source } = databaseLike({ count: () => Promise.reject(new Error('connection lost')) });
    const { observer, totals } = recorder();
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after: null, observer, log });
    await settle();
    expect(totals).toEqual([{ rows: 900, estimate: true }]);
    stop();
  });

  it('aborts the count when stopped, and a late answer is not heard', async () => {
    let answer: (rows: number) => void = () => undefined;
    const { source, counts } = databaseLike({ count: () => new Promise((resolve) => (answer = resolve)) });
    const { observer, totals } = recorder();
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after: null, observer, log });
    stop();
    expect(counts[0]!.signal?.aborted).toBe(true);
    answer(1_000);
    await settle();
    expect(totals).toEqual([{ rows: 900, estimate: true }]);
  });

  it('gathers nothing for an observer that shows no totals', async () => {
    const { source, counts, estimates } = databaseLike();
    const { observer, totals } = recorder(false);
    const stop = await followEntityTotal(source, entity, { entity: 'customers', after: null, observer, log });
    await settle();
    expect({ estimates: estimates(), counts: counts.length, totals }).toEqual({ estimates: 0, counts: 0, totals: [] });
    stop();
  });
});
