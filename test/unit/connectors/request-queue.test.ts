/**
 * The HTTP request queue: back-off with jitter, Retry-After (seconds and HTTP dates), timeouts,
 * rate limits, idempotency keys that survive retries, and the errors that must not be retried.
 * Requests go to a `fetch` stand-in that records them (no server: this is about the queue's rules).
 */
import { describe, expect, it } from 'vitest';
import { FatalError, TransientError } from '../../../connectors/errors.js';
import { idempotencyKey } from '../../../connectors/http-api/idempotency-key.js';
import { parseRetryAfter, RequestQueue } from '../../../connectors/http-api/request-queue.js';

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

/** A fetch that answers from a script and records what it was sent, and when. */
function scriptedFetch(answers: Answer[]) {
  const calls: { at: number; headers: Record<string, string> }[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    calls.push({ at: Date.now(), headers: { ...(init.headers as Record<string, string>) } });
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (answer.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, answer.delayMs);
        init.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(init.signal!.reason);
        });
      });
    }
    return new Response(answer.body === undefined ? '' : JSON.stringify(answer.body), { status: answer.status, headers: answer.headers ?? {} });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const request = { method: 'POST', url: 'http://api.test/crm/v8/Accounts/upsert', body: { data: [] }, idempotencyKey: 'k-1' };

describe('RequestQueue', () => {
  it('retries 503s with exponential back-off and full jitter, sending the same Idempotency-Key each time', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 503 }, { status: 503 }, { status: 502 }, { status: 200, body: { ok: true } }]);
    const delays: number[] = [];
    const queue = new RequestQueue({ endpoint: 'test', fetch, retry: { retries: 5, baseDelayMs: 20, maxDelayMs: 1000 }, onRetry: (event) => delays.push(event.delayMs) });
    expect(await queue.send(request)).toEqual({ status: 200, body: { ok: true } });
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => call.headers['idempotency-key']))).toEqual(new Set(['k-1']));
    // attempt n waits a random time in [0, base·2ⁿ⁻¹]
    delays.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(20 * 2 ** n);
    });
    expect(queue.stats).toEqual({ requests: 4, retries: 3, throttled: 0 });
  });

  it('waits what Retry-After says after a 429, and holds every other request back meanwhile', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const delays: number[] = [];
    const queue = new RequestQueue({ endpoint: 'test', fetch, concurrency: 2, retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 100 }, onRetry: (event) => delays.push(event.delayMs) });
    const first = queue.send(request);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = queue.send({ ...request, idempotencyKey: 'k-2' });
    await Promise.all([first, second]);
    expect(delays).toEqual([1000]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[2]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(queue.stats.throttled).toBe(1);
  });

  it('gives up after the configured retries with a TransientError that says so', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } }]);
    const queue = new RequestQueue({ endpoint: 'https://api.test', fetch, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const error = await queue.send(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/answered 503.*SERVICE_UNAVAILABLE.*gave up after 3 attempts/);
    expect(calls).toHaveLength(3);
  });

  it('times out a slow answer and retries it', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 200, delayMs: 500 }, { status: 200, body: 'fast' }]);
    const queue = new RequestQueue({ endpoint: 'test', fetch, timeoutMs: 50, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(await queue.send(request)).toEqual({ status: 200, body: 'fast' });
    expect(calls).toHaveLength(2);
  });

  it('does not retry a refused credential', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 401, body: { code: 'INVALID_TOKEN' } }]);
    const queue = new RequestQueue({ endpoint: 'test', fetch, retry: { retries: 5, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(queue.send(request)).rejects.toBeInstanceOf(FatalError);
    expect(calls).toHaveLength(1);
  });

  it('starts no more requests than the rate allows, spread over the interval', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 200 }]);
    const queue = new RequestQueue({ endpoint: 'test', fetch, concurrency: 10, requestsPerInterval: 5, intervalMs: 200 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 11 }, (_, i) => queue.send({ ...request, idempotencyKey: `k${i}` })));
    // 11 starts at one per 40 ms: at least 10 gaps.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    for (const call of calls) expect(calls.filter((other) => other.at >= call.at && other.at < call.at + 200).length).toBeLessThanOrEqual(6);
  });

  it('stops at once when the caller aborts', async () => {
    const { fetch } = scriptedFetch([{ status: 200, delayMs: 5_000 }]);
    const queue = new RequestQueue({ endpoint: 'test', fetch, retry: { retries: 5, baseDelayMs: 1, maxDelayMs: 1 } });
    const controller = new AbortController();
    const sent = queue.send(request, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(sent).rejects.toThrow('stop');
    await queue.close();
    await queue.close();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('idempotencyKey', () => {
  const base = { scope: 'run 3', module: 'Accounts', operation: 'upsert', ids: ['1', '2'], content: [{ a: 1, b: 'x' }, { a: 2 }] };
  it('is the same for the same request, whatever the key order of the records', () => {
    expect(idempotencyKey(base)).toBe(idempotencyKey({ ...base, content: [{ b: 'x', a: 1 }, { a: 2 }] }));
    expect(idempotencyKey(base)).toMatch(/^[0-9a-f]{40}$/);
  });
  it('differs when the content, the records, the module or the run differ', () => {
    const key = idempotencyKey(base);
    expect(idempotencyKey({ ...base, content: [{ a: 1, b: 'y' }, { a: 2 }] })).not.toBe(key);
    expect(idempotencyKey({ ...base, ids: ['1', '3'] })).not.toBe(key);
    expect(idempotencyKey({ ...base, module: 'Deals' })).not.toBe(key);
    expect(idempotencyKey({ ...base, scope: 'run 4' })).not.toBe(key);
  });
});
