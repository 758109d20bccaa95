import type { Logger } from '../../logger.js';

/** What finding and applying deletions needs of the run. */
export interface DeletionContext {
  readonly runId: number;
  readonly log: Logger;
  readonly signal?: AbortSignal | undefined;
  retry<T>(what: string, operation: () => Promise<T>): Promise<T>;
}
