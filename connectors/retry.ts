/**
 * Retry with exponential back-off and jitter for {@link TransientError}s; anything else is thrown
 * at once. The server's `Retry-After` hint wins over the computed delay.
 *
 * One operation has one budget: when it is spent, the error becomes {@link RetriesExhausted},
 * which no layer retries again. A retrying layer wrapped in another (an HTTP target's request
 * queue under the runner) therefore never multiplies attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RetriesExhausted, TransientError } from './errors.js';

/**
 * How a delay is drawn below its ceiling `min(maxDelayMs, baseDelayMs × 2^n)`: `full` anywhere in
 * `[0, ceiling]`, `equal` in `[ceiling / 2, ceiling]` (a guaranteed minimum wait, so that a server
 * restart of known length is outlasted).
 */
export const JITTER = ['full', 'equal'] as const;
export type Jitter = (typeof JITTER)[number];

export interface RetryPolicy {
  /** Attempts after the first. @default 5 */
  readonly retries: number;
  /** First delay in milliseconds. @default 200 */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. @default 10_000 */
  readonly maxDelayMs: number;
  /** @default 'full' */
  readonly jitter?: Jitter | undefined;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ retries: 5, baseDelayMs: 200, maxDelayMs: 10_000 });

export interface RetryEvent {
  /** The retry about to be made, counting from 1 (attempt `attempt + 1` of `attempts`). */
  readonly attempt: number;
  /** Attempts the budget allows in all. */
  readonly attempts: number;
  readonly delayMs: number;
  readonly error: TransientError;
}

/** The ceiling of the delay before retry `n` (0 for the first retry). */
export function delayCeilingMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}

/** The longest an operation can spend waiting between its attempts (no `Retry-After` hint). */
export function maxBackoffMs(policy: RetryPolicy): number {
  let total = 0;
  for (let retry = 0; retry < policy.retries; retry++) total += delayCeilingMs(policy, retry);
  return total;
}

/** The shortest wait between attempts: 0 with full jitter, half of each ceiling with equal jitter. */
export function minBackoffMs(policy: RetryPolicy): number {
  return policy.jitter === 'equal' ? maxBackoffMs(policy) / 2 : 0;
}

/**
 * The longest an operation can take before it gives up when every attempt runs into its time-out:
 * `attempts × attemptTimeoutMs + Σ min(maxDelayMs, baseDelayMs × 2^n)` for n = 0 … retries − 1.
 */
export function retryBudgetMs(policy: RetryPolicy, attemptTimeoutMs: number): number {
  return (policy.retries + 1) * attemptTimeoutMs + maxBackoffMs(policy);
}

/** Runs `operation`, retrying transient failures; the last error is rethrown as {@link RetriesExhausted}. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (event: RetryEvent) => void; random?: () => number } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      // Exhausted below (a connector's own budget) counts as exhausted here too.
      if (!(error instanceof TransientError) || error instanceof RetriesExhausted) throw error;
      if (attempt >= policy.retries) throw new RetriesExhausted(error, attempt + 1, performance.now() - started);
      const ceiling = delayCeilingMs(policy, attempt);
      const floor = policy.jitter === 'equal' ? ceiling / 2 : 0;
      const delayMs = error.retryAfterMs ?? Math.round(floor + random() * (ceiling - floor));
      options.onRetry?.({ attempt: attempt + 1, attempts: policy.retries + 1, delayMs, error });
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
