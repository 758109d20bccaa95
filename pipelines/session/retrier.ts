/**
 * The one place where a run retries. Connectors classify faults (TransientError / FatalError) and
 * never retry a database call themselves: the runner knows what the operation is ("writing 2000
 * rows"), whether repeating it is safe (a batch claims its number, so a retried commit is counted
 * once), and tells the log and the progress line. Each call is one operation with the project's
 * whole budget (`options.retry`); when it is spent the error is final for the run.
 */
import { withRetry, type RetryPolicy } from '../../connectors/retry.js';
import type { Logger } from '../logger.js';
import type { RunObserver } from './run-events.js';

/** Runs one operation under the retry budget; `signal` (else the retrier's own) aborts the waits. */
export type Retry = <T>(what: string, operation: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** Retries a transient failure with back-off, telling the log file and the progress display. */
export function retrier(policy: RetryPolicy, log: Logger, observer: RunObserver, signal: AbortSignal | undefined): Retry {
  return <T>(what: string, operation: () => Promise<T>, callSignal?: AbortSignal) =>
    withRetry(operation, {
      policy,
      signal: callSignal ?? signal,
      onRetry: (event) => {
        // The file gets every retry; the terminal only the outcome (one line if the budget runs out),
        // and a terminal's progress line shows the wait while it lasts.
        log.warn(
          { err: event.error, attempt: event.attempt + 1, attempts: event.attempts, delayMs: event.delayMs, terminal: false },
          `${what} failed, retrying in ${event.delayMs} ms (attempt ${event.attempt + 1} of ${event.attempts})`,
        );
        observer.retrying?.(what, event);
      },
    });
}
