/**
 * A source whose calls run under the runner's retry budget. A read that fails part-way is resumed
 * from the last batch it yielded (the keyset contract: no gap, no duplicate), so each page is one
 * operation with a budget of its own; a source that cannot resume (a file) is not retried.
 */
import type { ColumnInfo, ReadRequest, Source, SourceBatch, SourceEntity, SourceRow, TableInfo } from '../../connectors/types.js';
import type { Retry } from './retrier.js';

export function retryingSource(source: Source, retry: Retry, name: string): Source {
  const decorated: Source = {
    capabilities: source.capabilities,
    read: (request) => readRetrying(source, request, retry, name),
    count: (entity: SourceEntity, signal?: AbortSignal) => retry(`counting ${entity.table} in ${name}`, () => source.count(entity, signal), signal),
    describe: (entity: SourceEntity): Promise<readonly ColumnInfo[]> => retry(`describing ${entity.table} in ${name}`, () => source.describe(entity)),
    close: () => source.close(),
  };
  if (source.existingKeys) {
    const existingKeys = source.existingKeys.bind(source);
    decorated.existingKeys = (entity, keys, signal) => retry(`looking up ${keys.length} keys in ${name}`, () => existingKeys(entity, keys, signal), signal);
  }
  if (source.readKeys) {
    const readKeys = source.readKeys.bind(source);
    decorated.readKeys = (entity, keys, signal): Promise<SourceRow[]> => retry(`reading ${keys.length} rows of ${entity.table} in ${name}`, () => readKeys(entity, keys, signal), signal);
  }
  // For progress only: a failure there costs a total, not the run, so neither is retried.
  if (source.estimateRows) decorated.estimateRows = source.estimateRows.bind(source);
  if (source.countBounded) decorated.countBounded = source.countBounded.bind(source);
  if (source.listTables) {
    const listTables = source.listTables.bind(source);
    decorated.listTables = (signal?: AbortSignal): Promise<readonly TableInfo[]> => retry(`listing the tables of ${name}`, () => listTables(signal), signal);
  }
  return decorated;
}

async function* readRetrying(source: Source, request: ReadRequest, retry: Retry, name: string): AsyncGenerator<SourceBatch> {
  if (!source.capabilities.resumable) {
    yield* source.read(request);
    return;
  }
  let after = request.after ?? null;
  let iterator: AsyncIterator<SourceBatch> | null = null;
  try {
    for (;;) {
      const next = await retry(
        `reading ${request.entity.table} from ${name}`,
        async () => {
          iterator ??= source.read({ ...request, after })[Symbol.asyncIterator]();
          try {
            return await iterator.next();
          } catch (error) {
            // A generator that threw is finished: the next attempt reads again from `after`.
            iterator = null;
            throw error;
          }
        },
        request.signal,
      );
      if (next.done) {
        iterator = null;
        return;
      }
      after = next.value.last;
      yield next.value;
    }
  } finally {
    await (iterator as AsyncIterator<SourceBatch> | null)?.return?.();
  }
}
