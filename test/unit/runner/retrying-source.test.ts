import { describe, expect, it } from 'vitest';
import { FatalError, RetriesExhausted, TransientError } from '../../../connectors/errors.js';
import type { ReadRequest, Source, SourceBatch, SourceCapabilities } from '../../../connectors/types.js';
import { createLogger } from '../../../pipelines/logger.js';
import { retrier } from '../../../pipelines/session/retrier.js';
import { retryingSource } from '../../../pipelines/session/retrying-source.js';

const quiet = createLogger({ file: null, terminal: null });
const retry = (attempts: number) => retrier({ retries: attempts - 1, baseDelayMs: 0, maxDelayMs: 0 }, quiet, {}, undefined);

/** Keys 1…n in pages of `batchSize`, resumable after a key; `fail(call)` decides which page fetch throws. */
function pagedSource(n: number, fail: (fetch: number) => Error | null, capabilities: Partial<SourceCapabilities> = {}) {
  const reads: (number | null)[] = [];
  let fetches = 0;
  const source: Source = {
    capabilities: { resumable: true, pushdownWhere: false, uniqueKeys: true, keyLookup: false, ...capabilities },
    async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
      let after = request.after ? Number(request.after.key) : 0;
      reads.push(request.after ? after : null);
      while (after < n) {
        const error = fail(++fetches);
        if (error) throw error;
        const keys = Array.from({ length: Math.min(request.batchSize, n - after) }, (_, i) => after + i + 1);
        after = keys[keys.length - 1]!;
        yield { rows: keys.map((key) => ({ key: String(key), data: { id: key }, origin: `t id=${key}` })), rejects: [], last: { cursor: null, key: after } };
      }
    },
    count: async () => n,
    describe: async () => [],
    close: async () => undefined,
  };
  return { source, reads, fetches: () => fetches };
}

async function keysOf(source: Source): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of source.read({ entity: { table: 't', key: 'id' }, batchSize: 3 })) keys.push(...batch.rows.map((row) => row.key));
  return keys;
}

describe('retryingSource', () => {
  it('resumes a read that failed part-way from the last batch it yielded: no gap, no duplicate', async () => {
    const { source, reads } = pagedSource(10, (fetch) => (fetch === 2 || fetch === 3 ? new TransientError('connection lost') : null));
    expect(await keysOf(retryingSource(source, retry(3), 'legacy'))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(reads).toEqual([null, 3, 3]);
  });

  it('gives each page the whole budget, and stops once one page spends it', async () => {
    // Two failures before each page: a budget of 3 attempts covers each of them.
    const spread = pagedSource(6, (fetch) => (fetch % 3 !== 0 ? new TransientError('lost') : null));
    expect(await keysOf(retryingSource(spread.source, retry(3), 'legacy'))).toEqual(['1', '2', '3', '4', '5', '6']);
    const dead = pagedSource(6, (fetch) => (fetch > 1 ? new TransientError('MySQL db:3306/crm: connection refused') : null));
    await expect(keysOf(retryingSource(dead.source, retry(3), 'legacy'))).rejects.toThrow(/connection refused: gave up after 3 attempts/);
    expect(dead.fetches()).toBe(4);
  });

  it('does not retry a fatal error, nor a source that cannot resume', async () => {
    const fatal = pagedSource(6, () => new FatalError('table does not exist'));
    await expect(keysOf(retryingSource(fatal.source, retry(3), 'legacy'))).rejects.toBeInstanceOf(FatalError);
    expect(fatal.fetches()).toBe(1);
    const file = pagedSource(6, (fetch) => (fetch === 2 ? new TransientError('lost') : null), { resumable: false });
    await expect(keysOf(retryingSource(file.source, retry(3), 'legacy'))).rejects.not.toBeInstanceOf(RetriesExhausted);
    expect(file.reads).toEqual([null]);
  });

  it('retries the other calls under the same budget', async () => {
    let calls = 0;
    const { source } = pagedSource(1, () => null);
    const flaky: Source = {
      ...source,
      count: async () => {
        if (++calls < 3) throw new TransientError('lost');
        return 1;
      },
    };
    expect(await retryingSource(flaky, retry(3), 'legacy').count({ table: 't', key: 'id' })).toBe(1);
    calls = 0;
    await expect(retryingSource(flaky, retry(2), 'legacy').count({ table: 't', key: 'id' })).rejects.toThrow(/gave up after 2 attempts/);
  });
});
