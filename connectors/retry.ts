/**
 * Retry with exponential back-off and jitter for {@link TransientError}s; anything else is thrown
 * at once. The server's `Retry-After` hint wins over the computed delay.
 *
 * One operation has one budget: when it is spent, the error becomes {@link RetriesExhausted},
 * which no layer retries again. A retrying layer wrapped in another (an HTTP target's request
 * queue under the runner) therefore never multiplies attempts. Operations that run side by side
 * against one endpoint (the calls of one batch) share a {@link RetryStreak}, so that their
 * retries, queued behind each other, do not multiply the time either.
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

/**
 * The transient failures of an endpoint since it last answered, shared by the operations that run
 * side by side against it (the calls of one batch to an HTTP API). Each operation keeps its own
 * attempts (`retries + 1`); the streak bounds them together. It is spent once it has lasted one
 * operation's whole budget ({@link retryBudgetMs}) from its first failed attempt, or once one
 * operation used all its attempts in it: then every operation gives up at its next failure, and
 * those begun before it was spent, or within one budget after, make no attempt at all
 * ({@link throwIfSpent}): the calls of the batch that gave up, and those its caller still sends. Without it, each retry of one call waits in the queue behind the first
 * attempts of every other call, and a dead endpoint takes the budget times the calls queued.
 * Any answer ends the streak.
 */
export class RetryStreak {
  readonly #budgetMs: number;
  /** `performance.now()` when the first failed attempt of the streak started; null while the endpoint answers. */
  #since: number | null = null;
  #failures = 0;
  #last: TransientError | null = null;
  /** When the streak was spent; null while it is not. */
  #spentAt: number | null = null;

  /** `attemptTimeoutMs`: how long one attempt may take at most (the request's time-out). */
  constructor(policy: RetryPolicy, attemptTimeoutMs: number) {
    this.#budgetMs = retryBudgetMs(policy, attemptTimeoutMs);
  }

  /** The endpoint answered: the streak, if any, is over. */
  answered(): void {
    this.#since = null;
    this.#failures = 0;
    this.#last = null;
    this.#spentAt = null;
  }

  /** An attempt that started at `startedAt` (`performance.now()`) failed with `error`. */
  failed(error: TransientError, startedAt: number): void {
    const since = Math.min(this.#since ?? startedAt, startedAt);
    this.#since = since;
    this.#failures++;
    this.#last = error;
    if (this.#spentAt === null && performance.now() - since >= this.#budgetMs) this.#spentAt = performance.now();
  }

  /** An operation used all its attempts in the streak: the others stop too. */
  gaveUp(): void {
    if (this.#since !== null) this.#spentAt ??= performance.now();
  }

  /** Whether an operation that just failed gives up rather than retry. */
  get spent(): boolean {
    return this.#spentAt !== null;
  }

  /** The error to give up with: the last failure, with the attempts and the time of the whole streak. */
  exhausted(): RetriesExhausted {
    return new RetriesExhausted(this.#last!, this.#failures, performance.now() - this.#since!);
  }

  /**
   * For an attempt about to start (inside a queue) of an operation begun at `operationStartedAt`:
   * throws when the streak was spent before that operation began, or less than one budget
   * after, so that no request is made. An operation begun later has one attempt (a failure
   * then gives up at once): the endpoint may be back.
   */
  throwIfSpent(operationStartedAt: number): void {
    if (this.#spentAt !== null && operationStartedAt <= this.#spentAt + this.#budgetMs) throw this.exhausted();
  }
}

/** Runs `operation`, retrying transient failures; the last error is rethrown as {@link RetriesExhausted}. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (event: RetryEvent) => void; random?: () => number; streak?: RetryStreak | undefined } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const { streak } = options;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const attemptStarted = performance.now();
    try {
      const result = await operation(attempt);
      streak?.answered();
      return result;
    } catch (error) {
      // Exhausted below (a connector's own budget, or the streak) counts as exhausted here too.
      if (!(error instanceof TransientError) || error instanceof RetriesExhausted) throw error;
      if (streak) {
        streak.failed(error, attemptStarted);
        if (attempt >= policy.retries) streak.gaveUp();
        if (streak.spent) throw streak.exhausted();
      } else if (attempt >= policy.retries) throw new RetriesExhausted(error, attempt + 1, performance.now() - started);
      const ceiling = delayCeilingMs(policy, attempt);
      const floor = policy.jitter === 'equal' ? ceiling / 2 : 0;
      const delayMs = error.retryAfterMs ?? Math.round(floor + random() * (ceiling - floor));
      options.onRetry?.({ attempt: attempt + 1, attempts: policy.retries + 1, delayMs, error });
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
