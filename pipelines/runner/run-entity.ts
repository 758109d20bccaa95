/**
 * One entity of a run: check the source against the mapping, pick the starting watermark, then
 * stream batches through the stage chain. Stops between batches when asked to.
 */
import { quoteName } from '../../connectors/shown-name.js';
import type { ColumnInfo, Source, SourceBatch } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping, type CompiledMapping } from '../../transforms/mapping-engine.js';
import { RunError } from '../errors.js';
import type { Logger } from '../logger.js';
import { addLedger, emptyLedger, type LedgerCounts } from '../state/ledger.js';
import { rewindWatermark } from '../state/watermark.js';
import { childReferences } from '../session/child-references.js';
import { followEntityTotal } from './entity-total.js';
import { FirstLoad } from './stages/first-load.js';
import { withBatchInFlight } from './stages/dedupe-overlay.js';
import type { EntityContext } from './commit/entity-context.js';
import { planBatch, type BatchPlan } from './stages/plan-batch.js';
import { writeBatch } from './commit/write-batch.js';
import { sourceEntityOf } from '../session/source-entity.js';
import type { ProjectSession } from '../session/project-session.js';
import { retrier } from '../session/retrier.js';
import type { RunObserver } from '../session/run-events.js';

export interface EntityRunOptions {
  readonly runId: number;
  /** Re-read everything instead of starting at the watermark. */
  readonly full: boolean;
  readonly lookbackSeconds: number;
  readonly log: Logger;
  readonly observer: RunObserver;
  /** Aborts reads and retries at once (second Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
  /** True once a graceful stop was requested: the batch in flight finishes, then the entity stops. */
  readonly stopRequested: () => boolean;
}

export interface EntityRunResult {
  readonly totals: LedgerCounts;
  /** False when a stop request ended the entity early. */
  readonly completed: boolean;
}

/**
 * Before a run touches the target: the source answers, has the table and every mapped column,
 * and supports what the mapping asks of it. A wrong password or a renamed column fails here, with
 * nothing written. Returns the source's columns, for the schema-drift report.
 */
export async function checkEntitySource(
  source: Source,
  mapping: EntityMapping,
  options: Pick<EntityRunOptions, 'log' | 'observer' | 'signal'>,
): Promise<readonly ColumnInfo[]> {
  const log = options.log.child({ entity: mapping.entity });
  if (mapping.source.where && !source.capabilities.pushdownWhere) {
    throw new RunError(`${mapping.file}: \`source.where\` is not supported by connection \`${mapping.source.connection}\``, {
      hint: 'file sources cannot evaluate SQL; express the condition as a `filter:` rule in the mapping',
    });
  }
  // The session's sources retry their own calls (retrying-source.ts).
  const columns = await source.describe(sourceEntityOf(mapping));
  checkSourceColumns(compileMapping(mapping), columns, log);
  return columns;
}

/** Runs one entity; {@link checkEntitySource} must have passed for it in this session. */
export async function runEntity(session: ProjectSession, mapping: EntityMapping, options: EntityRunOptions): Promise<EntityRunResult> {
  const log = options.log.child({ entity: mapping.entity });
  const compiled = compileMapping(mapping);
  const source = session.sourceFor(mapping);
  const sourceEntity = sourceEntityOf(mapping);
  const retry = retrier(session.project.options.retry, log, options.observer, options.signal);

  const watermark = source.capabilities.resumable && !options.full ? await retry('reading the watermark', () => session.state.getWatermark(mapping.entity)) : null;
  const after = rewindWatermark(watermark, options.lookbackSeconds);
  log.info(
    { watermark, after },
    watermark ? `incremental from ${String(after?.cursor)} (watermark ${String(watermark.cursor)}, lookback ${options.lookbackSeconds}s)` : 'reading all rows',
  );
  const batchSize = session.batchRows(mapping);
  if (batchSize < mapping.batchSize) log.debug(`batches of ${batchSize} rows (batch_size ${mapping.batchSize} is more than the embedded database takes per batch)`);
  await session.state.beginEntity(options.runId, mapping.entity);
  options.observer.entityStarted?.(mapping.entity);
  // The first load of an entity skips the lookups of keys it has not written yet, with filters
  // sized by the source's count. Only where keys are unique: a file may repeat a key, and its
  // rejects are kept by position.
  let firstLoad: FirstLoad | null = null;
  if (source.capabilities.uniqueKeys && !(await retry('reading the state', () => session.state.holdsEntity(mapping.entity)))) {
    // Without a count the filters start small and grow (more false positives, same outcome).
    const total = await source.count(sourceEntity, options.signal).catch((error: unknown) => {
      log.debug({ err: error }, 'counting the source failed; the run goes on');
      return null;
    });
    if (total !== null) options.observer.entityTotal?.(mapping.entity, { rows: total, estimate: false });
    firstLoad = new FirstLoad(total ?? 0, mapping.dedupe?.rules.length ?? 0);
    log.debug({ filterBytes: firstLoad.bytes }, `the state holds nothing of this entity yet: first load of ${total ?? 'an unknown number of'} rows`);
  }
  // Otherwise a database source estimates and counts beside the read (the watermark's rows on an
  // incremental run); progress shows a percentage and ETA once it answers. Files tell their position.
  const stopTotal = firstLoad === null ? await followEntityTotal(source, sourceEntity, { entity: mapping.entity, after, observer: options.observer, log, signal: options.signal }) : () => undefined;
  const context: EntityContext = {
    runId: options.runId,
    compiled,
    state: session.state,
    sink: session.sink,
    stateDatabase: session.stateDatabase,
    signal: options.signal,
    sourceCapabilities: source.capabilities,
    target: mapping.target,
    retry,
    batches: { committed: 0 },
    dedupe: session.state.dedupe,
    children: childReferences(session.project.entities, mapping.entity),
    firstLoad,
  };
  const totals = emptyLedger();
  let first = true;
  let completed = true;
  // While a batch commits, the next one is read and planned. Planning reads the id map, so this
  // needs keys that cannot repeat within a read. Dedupe matches against the state as it will be
  // once the batch in flight has committed (its records overlaid on the store's answers).
  const overlap = source.capabilities.uniqueKeys;
  let inFlight: { batch: SourceBatch; plan: BatchPlan; commit: Promise<LedgerCounts | null> } | null = null;
  let statistics: Promise<unknown> | null = null;
  const settle = async () => {
    const { batch, commit } = inFlight!;
    inFlight = null;
    const counts = await commit;
    if (counts) addLedger(totals, counts);
    else {
      // The batch had committed before its retry: the stored ledger is the truth.
      const stored = await retry('reading the ledger', () => session.state.entityLedger(options.runId, mapping.entity));
      if (stored) for (const name of Object.keys(totals) as (keyof LedgerCounts)[]) totals[name] = stored[name];
    }
    options.observer.batchCommitted?.(mapping.entity, totals, batch.position);
    log.debug({ batch: counts, last: batch.last }, 'batch committed');
    // Statistics after 8, 16, 32, … batches: the id map and match keys grow from empty. In the
    // background, on a connection of its own (VACUUM and ANALYZE do not block inserts): the
    // batches go on meanwhile, and a point reached while the last one still runs is skipped.
    const committed = context.batches.committed;
    if (committed >= 8 && (committed & (committed - 1)) === 0 && statistics === null) {
      statistics = session.state
        .analyze()
        .then(() => session.sink.analyze?.(mapping.target))
        .catch((error: unknown) => log.debug({ err: error }, 'ANALYZE failed; the run goes on'))
        .finally(() => (statistics = null));
    }
  };
  try {
    for await (const batch of readAhead(source.read({ entity: sourceEntity, after, batchSize, signal: options.signal }))) {
      const pending = (inFlight as { plan: BatchPlan } | null)?.plan;
      const plan = await planBatch(
        pending?.dedupe
          ? { ...context, dedupe: withBatchInFlight(context.dedupe, pending.dedupe), writtenInFlight: new Set(pending.toWrite.map((entry) => entry.row.key)) }
          : context,
        batch,
      );
      if (inFlight) await settle();
      if (options.stopRequested()) {
        completed = false;
        break;
      }
      const commit = writeBatch(context, batch, plan, { clearPositionalRejects: first && !source.capabilities.resumable });
      // Handled here so that a commit failing while the next batch is planned is not "unhandled"
      // (which ends the process); the failure is thrown where the commit is awaited.
      commit.catch(() => undefined);
      inFlight = { batch, plan, commit };
      first = false;
      if (!overlap) {
        await settle();
        if (options.stopRequested()) {
          completed = false;
          break;
        }
      }
    }
    if (inFlight) await settle();
  } finally {
    stopTotal();
    // A failure while the previous batch commits: let the commit end before the error travels on.
    await (inFlight as { commit: Promise<unknown> } | null)?.commit.catch(() => undefined);
    await (statistics as Promise<unknown> | null);
  }
  if (first && !source.capabilities.resumable) {
    await session.stateDatabase.transaction((tx) => session.state.clearPositionalRejects(tx, mapping.entity));
  }
  await session.state.finishEntity(options.runId, mapping.entity, completed ? 'succeeded' : 'failed');
  options.observer.entityFinished?.(mapping.entity, totals);
  log.info({ ledger: totals }, completed ? 'entity finished' : 'entity stopped on request');
  return { totals, completed };
}

/**
 * Keeps the next item of `items` in flight while the consumer works on the current one, so that
 * reading the source overlaps with mapping and writing. Breaking out releases the source.
 */
export async function* readAhead<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const pull = () => {
    const next = iterator.next();
    // Handled here so that a failure while the consumer is busy is not "unhandled"; it is thrown when awaited.
    next.catch(() => undefined);
    return next;
  };
  let next = pull();
  let done = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        done = true;
        return;
      }
      next = pull();
      yield result.value;
    }
  } finally {
    if (!done) {
      await next.catch(() => undefined);
      await iterator.return?.();
    }
  }
}

/**
 * A mapped column missing from the source stops the run before any row moves. Names are quoted
 * (shown-name.ts) so that a space in one is seen. Header names a file wrote with spaces around
 * them are told once, as a warning: they are trimmed.
 */
function checkSourceColumns(compiled: CompiledMapping, described: readonly ColumnInfo[], log: Logger): void {
  const mapping = compiled.mapping;
  const where = `source ${mapping.source.connection}/${mapping.source.table}`;
  const spaced = described.filter((column) => column.header !== undefined);
  if (spaced.length > 0) {
    log.warn(
      { trimmedHeaders: spaced.map((column) => column.header) },
      `${where}: header name${spaced.length > 1 ? 's' : ''} ${spaced.map((column) => quoteName(column.header!)).join(', ')} had spaces around ${spaced.length > 1 ? 'them' : 'it'}, trimmed to ${spaced.map((column) => quoteName(column.name)).join(', ')}`,
    );
  }
  const columns = new Set(described.map((column) => column.name));
  const missing = compiled.sourceColumns.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    const trimmable = missing.filter((column) => column !== column.trim() && columns.has(column.trim()));
    throw new RunError(
      `${mapping.file}: ${where} has no column ${missing.map(quoteName).join(', ')} (it has: ${[...columns].map(quoteName).join(', ')})`,
      {
        hint: trimmable.length > 0
          ? `header names are trimmed: write \`from: ${trimmable[0]!.trim()}\` in the mapping; nothing was written`
          : 'fix the mapping, or the export, before running; nothing was written',
      },
    );
  }
  const unused = [...columns].filter((column) => !compiled.sourceColumns.includes(column));
  if (unused.length > 0) log.debug({ unused }, `source columns not used by the mapping: ${unused.join(', ')}`);
}
