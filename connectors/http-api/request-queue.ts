/**
 * Flow control for an HTTP API: p-queue bounds the requests in flight (`concurrency`) and the
 * requests started per interval (the API's rate limit); each request has a timeout; 429, 5xx,
 * timeouts and network errors are retried with exponential back-off and full jitter, honouring
 * `Retry-After` (seconds or an HTTP date). After a 429 every request waits out the server's hint,
 * not only the one that was refused. Callers wait on {@link RequestQueue.ready} before adding
 * more work (backpressure), and every call takes an AbortSignal.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { FatalError, TransientError } from '../errors.js';
import { DEFAULT_RETRY_POLICY, RetryStreak, withRetry, type RetryEvent, type RetryPolicy } from '../retry.js';

/** One HTTP request; the body is sent as JSON. */
export interface ApiRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Sent as `Idempotency-Key`, unchanged across retries, so that a retry never acts twice. */
  readonly idempotencyKey?: string | undefined;
}

/** A response the caller interprets (2xx, and 4xx other than 401/403/404/408/429). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface RequestQueueOptions {
  /** Requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Requests started per `intervalMs`. @default Infinity */
  readonly requestsPerInterval?: number;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** Time allowed for one attempt, headers and body. @default 30_000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Added to every request (the credential): never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** For messages: `https://api.example.com`. */
  readonly endpoint: string;
  /** Told about each retry (log, progress line). */
  readonly onRetry?: ((event: RetryEvent & { readonly request: string }) => void) | undefined;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Counters of what the queue did. */
export interface RequestQueueStats {
  requests: number;
  retries: number;
  throttled: number;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export class RequestQueue {
  readonly #queue: PQueue;
  readonly #options: RequestQueueOptions;
  readonly #fetch: typeof fetch;
  readonly #closing = new AbortController();
  readonly #stats: RequestQueueStats = { requests: 0, retries: 0, throttled: 0 };
  /** The requests' failures since the API last answered: one budget for the calls of a batch, however they queue. */
  readonly #streak: RetryStreak;
  /** Epoch ms before which no request starts: the server asked us to wait (429 Retry-After). */
  #resumeAt = 0;
  #closed = false;

  constructor(options: RequestQueueOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#streak = new RetryStreak(options.retry ?? DEFAULT_RETRY_POLICY, options.timeoutMs ?? 30_000);
    // Every queued request listens to it (p-queue drops a task whose signal aborts): one per request, by design.
    setMaxListeners(0, this.#closing.signal);
    const rate = options.requestsPerInterval ?? Number.POSITIVE_INFINITY;
    // The interval is cut in four, each allowing a quarter of the rate, rather than `rate` at the
    // top of each interval: a server's token bucket (burst = rate) then never sees a full burst at
    // a window edge, where a millisecond of timer jitter turns the last request into a 429; and
    // a quarter window still lets the client catch up after the pause of a state commit.
    const cap = Math.max(1, Math.floor(rate / 4));
    this.#queue = new PQueue({
      concurrency: options.concurrency ?? 4,
      ...(Number.isFinite(rate) ? { intervalCap: cap, interval: ((options.intervalMs ?? 1000) * cap) / rate } : {}),
    });
  }

  get stats(): Readonly<RequestQueueStats> {
    return { ...this.#stats };
  }

  /** Requests waiting to start. */
  get size(): number {
    return this.#queue.size;
  }

  /** Resolves when fewer than `limit` requests wait: add work after it, so that memory stays bounded. */
  async ready(limit: number, signal?: AbortSignal): Promise<void> {
    if (this.#queue.size < limit) return;
    const stop = anySignal([signal, this.#closing.signal]);
    await Promise.race([this.#queue.onSizeLessThan(limit), new Promise<never>((_resolve, reject) => stop?.addEventListener('abort', () => reject(stop.reason), { once: true }))]);
  }

  /**
   * Sends `request` through the queue, retrying what may pass. Resolves with the response to
   * interpret; throws `TransientError` once retries are exhausted, `FatalError` for 401/403/404.
   */
  async send(request: ApiRequest, signal?: AbortSignal): Promise<ApiResponse> {
    if (this.#closed) throw new FatalError(`${this.#options.endpoint}: the request queue is closed`);
    const stop = anySignal([signal, this.#closing.signal]);
    const what = `${request.method} ${new URL(request.url).pathname}`;
    const began = performance.now();
    const attempt = async () => {
      this.#streak.throwIfSpent(began);
      return this.#attempt(request, stop);
    };
    return withRetry(
      () => this.#queue.add(attempt, stop ? { signal: stop } : {}) as Promise<ApiResponse>,
      {
        policy: this.#options.retry,
        signal: stop,
        streak: this.#streak,
        onRetry: (event) => {
          this.#stats.retries++;
          this.#options.onRetry?.({ ...event, request: what });
        },
      },
    );
  }

  async #attempt(request: ApiRequest, signal: AbortSignal | undefined): Promise<ApiResponse> {
    const wait = this.#resumeAt - Date.now();
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = anySignal([signal, timeout])!;
    const headers: Record<string, string> = { accept: 'application/json', ...this.#options.headers, ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    const what = `${this.#options.endpoint}: ${request.method} ${new URL(request.url).pathname}`;
    this.#stats.requests++;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (timeout.aborted) throw new TransientError(`${what} timed out after ${timeoutMs} ms`, { cause: error, code: 'ETIMEDOUT' });
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new TransientError(`${what} failed: ${networkReason(error)}`, { cause: error, code: typeof code === 'string' ? code : undefined });
    }
    const body = parseBody(text);
    const status = response.status;
    if (RETRYABLE.has(status)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (status === 429) {
        this.#stats.throttled++;
        // Everyone waits: the limit is the API's, shared by every request of this client.
        this.#resumeAt = Math.max(this.#resumeAt, Date.now() + (retryAfterMs ?? this.#options.retry?.baseDelayMs ?? 1000));
      }
      throw new TransientError(`${what} answered ${status}${describeBody(body)}`, { code: `HTTP_${status}`, retryAfterMs });
    }
    if (status === 401 || status === 403) {
      throw new FatalError(`${what} answered ${status}: the API refused the credential${describeBody(body)}`, { code: `HTTP_${status}` });
    }
    if (status === 404 && request.method !== 'DELETE') throw new FatalError(`${what} answered 404: no such endpoint or module${describeBody(body)}`, { code: 'HTTP_404' });
    return { status, body };
  }

  /** Drops queued requests, aborts those in flight and waits for them; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.#closing.abort(new FatalError(`${this.#options.endpoint}: the connection was closed`));
    await this.#queue.onIdle();
  }
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable. A date in the past means "now".
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeBody(body: unknown): string {
  if (body === null || body === undefined || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 300 ? `${text.slice(0, 297)}...` : text}`;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${cause.code} (${cause.message ?? ''})` : (error as Error).message;
}
