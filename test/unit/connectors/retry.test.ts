import { describe, expect, it } from 'vitest';
import { FatalError, RetriesExhausted, TransientError } from '../../../connectors/errors.js';
import { delayCeilingMs, maxBackoffMs, minBackoffMs, retryBudgetMs, RetryStreak, withRetry, type RetryPolicy } from '../../../connectors/retry.js';

const RUN: RetryPolicy = { retries: 5, baseDelayMs: 500, maxDelayMs: 10_000, jitter: 'equal' };

describe('retry budget arithmetic', () => {
  it('doubles each ceiling up to max_delay_ms', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => delayCeilingMs(RUN, n))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
  });

  it('sums the waits of the defaults: 15.5 s at most, 7.75 s at least with equal jitter', () => {
    expect(maxBackoffMs(RUN)).toBe(15_500);
    expect(minBackoffMs(RUN)).toBe(7_750);
    expect(minBackoffMs({ ...RUN, jitter: 'full' })).toBe(0);
  });

  it('bounds a dead host: attempts × time-out + back-off', () => {
    // 6 attempts of connect_timeout_ms=3000 and the default waits: 18 s + 15.5 s.
    expect(retryBudgetMs(RUN, 3_000)).toBe(33_500);
    expect(retryBudgetMs({ retries: 2, baseDelayMs: 100, maxDelayMs: 150 }, 500)).toBe(3 * 500 + 100 + 150);
    expect(retryBudgetMs({ retries: 0, baseDelayMs: 100, maxDelayMs: 150 }, 500)).toBe(500);
  });
});

describe('withRetry', () => {
  it('draws equal-jitter delays within [ceiling / 2, ceiling]', async () => {
    for (const random of [() => 0, () => 0.999999]) {
      const delays: number[] = [];
      await expect(
        withRetry(
          async () => {
            throw new TransientError('lost');
          },
          { policy: { retries: 3, baseDelayMs: 4, maxDelayMs: 10, jitter: 'equal' }, random, onRetry: (event) => delays.push(event.delayMs) },
        ),
      ).rejects.toBeInstanceOf(RetriesExhausted);
      expect(delays).toEqual(random() === 0 ? [2, 4, 5] : [4, 8, 10]);
    }
  });

  it('gives up with how many attempts over how long, keeping the code and the cause', async () => {
    const last = new TransientError('MySQL 127.0.0.1:1/crm: connection refused (ECONNREFUSED)', { code: 'ECONNREFUSED' });
    const error = await withRetry(
      async () => {
        throw last;
      },
      { policy: { retries: 2, baseDelayMs: 20, maxDelayMs: 20, jitter: 'equal' } },
    ).catch((caught: unknown) => caught as RetriesExhausted);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(error.message).toMatch(/^MySQL 127\.0\.0\.1:1\/crm: connection refused \(ECONNREFUSED\): gave up after 3 attempts over 0\.\d s$/);
    expect(error.attempts).toBe(3);
    expect(error.elapsedMs).toBeGreaterThanOrEqual(20);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.cause).toBe(last);
  });

  it('never retries what a layer below gave up on: nested budgets do not multiply', async () => {
    let calls = 0;
    const inner = () =>
      withRetry(
        async () => {
          calls++;
          throw new TransientError('503');
        },
        { policy: { retries: 2, baseDelayMs: 0, maxDelayMs: 0 } },
      );
    const outer: number[] = [];
    await expect(withRetry(inner, { policy: { retries: 5, baseDelayMs: 0, maxDelayMs: 0 }, onRetry: (event) => outer.push(event.attempt) })).rejects.toThrow(
      /503: gave up after 3 attempts/,
    );
    expect(calls).toBe(3);
    expect(outer).toEqual([]);
  });

  it('does not retry a fatal error, and one attempt means no retry', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new FatalError('password authentication failed');
      }),
    ).rejects.toBeInstanceOf(FatalError);
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TransientError('lost');
        },
        { policy: { retries: 0, baseDelayMs: 1000, maxDelayMs: 1000 } },
      ),
    ).rejects.toThrow('lost: gave up after 1 attempt over');
    expect(calls).toBe(2);
  });
});

describe('RetryStreak: one budget for the operations side by side against one endpoint', () => {
  const policy: RetryPolicy = { retries: 2, baseDelayMs: 5, maxDelayMs: 5 };
  const down = (counter: { calls: number }) => async () => {
    counter.calls++;
    throw new TransientError('POST /upsert failed: ECONNREFUSED', { code: 'ECONNREFUSED' });
  };

  it('stops the others at their next failure once one operation used its attempts, and says what the endpoint went through', async () => {
    const streak = new RetryStreak(policy, 1_000);
    const first = { calls: 0 };
    await expect(withRetry(down(first), { policy, streak })).rejects.toThrow(/ECONNREFUSED: gave up after 3 attempts over/);
    expect(first.calls).toBe(3);
    // Begun while the streak was spent: not even one attempt.
    expect(() => streak.throwIfSpent(performance.now())).toThrow(RetriesExhausted);
    // Already running: one more failure, and it gives up without waiting, with the streak's count.
    const second = { calls: 0 };
    await expect(withRetry(down(second), { policy, streak })).rejects.toThrow(/gave up after 4 attempts/);
    expect(second.calls).toBe(1);
  });

  it('gives up once the failures have lasted one budget, however the attempts were spread', async () => {
    // A budget of 3 × 1 ms + 10 ms: the first failure started 50 ms ago.
    const streak = new RetryStreak(policy, 1);
    streak.failed(new TransientError('timed out'), performance.now() - 50);
    const late = { calls: 0 };
    await expect(withRetry(down(late), { policy, streak })).rejects.toBeInstanceOf(RetriesExhausted);
    expect(late.calls).toBe(1);
  });

  it('lets an operation begun a budget after the streak was spent try once, and any answer ends the streak', async () => {
    const streak = new RetryStreak(policy, 1);
    await expect(withRetry(down({ calls: 0 }), { policy, streak })).rejects.toBeInstanceOf(RetriesExhausted);
    const budget = retryBudgetMs(policy, 1);
    await new Promise((resolve) => setTimeout(resolve, budget + 5));
    expect(() => streak.throwIfSpent(performance.now())).not.toThrow();
    let calls = 0;
    const flaky = async () => {
      if (++calls === 1) throw new TransientError('503');
      return 'ok';
    };
    // Spent still: the failure of the one attempt gives up at once.
    await expect(withRetry(flaky, { policy, streak })).rejects.toThrow(/503: gave up/);
    await expect(withRetry(flaky, { policy, streak })).resolves.toBe('ok');
    // Answered: a new failure has the whole budget again.
    const after = { calls: 0 };
    await expect(withRetry(down(after), { policy, streak })).rejects.toThrow(/gave up after 3 attempts/);
    expect(after.calls).toBe(3);
  });
});
