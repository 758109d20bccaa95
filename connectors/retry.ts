/**
 * Retry with exponential back-off and full jitter for {@link TransientError}s; anything else is
 * thrown at once. The server's `Retry-After` hint wins over the computed delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from './errors.js';

export interface RetryPolicy {
  /** Attempts after the first. @default 5 */
  readonly retries: number;
  /** First delay in milliseconds. @default 200 */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. @default 10_000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ retries: 5, baseDelayMs: 200, maxDelayMs: 10_000 });

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: TransientError;
}

/** Runs `operation`, retrying transient failures; the last error is rethrown with the attempt count. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (event: RetryEvent) => void } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (attempt >= policy.retries) {
        throw new TransientError(`${error.message} (gave up after ${attempt + 1} attempts)`, { cause: error, code: error.code });
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      const delayMs = error.retryAfterMs ?? Math.round(Math.random() * ceiling);
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
