/**
 * A total for the progress line wherever one can be had without slowing the run. On a database
 * source: the table's statistics at once (a catalog read, on full reads only), then in the
 * background an exact count of the rows the read will yield, with the read's own predicate (the
 * watermark on incremental runs), given up when slow. File sources need neither: their batches
 * carry their position in the file.
 */
import type { Source, SourceEntity, Watermark } from '../../connectors/types.js';
import type { Logger } from '../logger.js';
import type { RunObserver } from '../session/run-events.js';

/** How long the database may spend on the exact count before it is given up (server-side). */
export const TOTAL_COUNT_LIMIT_MS = 5_000;
/** How long the statistics may take to answer before the read starts without them. */
export const ESTIMATE_WAIT_MS = 1_000;

export interface EntityTotalOptions {
  /** The entity's name, as the observer knows it. */
  readonly entity: string;
  /** Where the read starts (the rewound watermark); null for a full read. */
  readonly after: Watermark | null;
  readonly observer: RunObserver;
  readonly log: Logger;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Tells `observer.entityTotal` what can be known of the read's size. Resolves once the estimate
 * is in (or given up); the count goes on in the background. The returned function gives up
 * whatever still runs: call it when the entity ends.
 */
export async function followEntityTotal(source: Source, sourceEntity: SourceEntity, options: EntityTotalOptions): Promise<() => void> {
  const { observer, log, entity } = options;
  if (observer.wantsTotals === false || !observer.entityTotal || (!source.estimateRows && !source.countBounded)) return () => undefined;
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const stop = () => {
    options.signal?.removeEventListener('abort', abort);
    controller.abort();
  };
  // Statistics describe the whole table: they say nothing of the rows after a watermark.
  if (options.after === null && source.estimateRows) {
    const estimate = await within(source.estimateRows(sourceEntity, controller.signal), ESTIMATE_WAIT_MS).catch((error: unknown) => {
      log.debug({ err: error }, 'reading the table statistics failed; the run goes on');
      return null;
    });
    if (estimate !== null) observer.entityTotal(entity, { rows: estimate, estimate: true });
  }
  source.countBounded?.({ entity: sourceEntity, after: options.after, timeoutMs: TOTAL_COUNT_LIMIT_MS, signal: controller.signal }).then(
    (rows) => {
      if (controller.signal.aborted) return;
      if (rows === null) log.debug(`counting the rows to read took over ${TOTAL_COUNT_LIMIT_MS / 1000} s and was given up; progress goes on without it`);
      else observer.entityTotal!(entity, { rows, estimate: false });
    },
    (error: unknown) => log.debug({ err: error }, 'counting the rows to read failed; the run goes on'),
  );
  return stop;
}

/** `promise`'s answer, or null when it takes longer than `ms` (it is then left to finish unheard). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
