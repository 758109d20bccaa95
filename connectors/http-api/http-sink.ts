/**
 * An HTTP API as the target: records go in through the API's upsert endpoint, by external id, in
 * calls of up to `records_per_call`, through a {@link RequestQueue} (rate limit, retries,
 * idempotency keys). The API's per-record status becomes one {@link RowOutcome} per record;
 * a whole call refused as invalid (400/422 without per-record results) is bisected until the
 * refused records are alone, as the SQL sinks do with savepoints. Patches, archives and re-points
 * go through the update endpoint where one is configured, so that they never create a record.
 *
 * An API answers that it updated a record, not whether a value changed, and has no conditional
 * update: `archive` and `repoint` count the records they updated, and an archive sent again
 * writes its time again (the runner archives a row once; only a retry after a crash repeats it).
 */
import type { Row, TargetTable } from '../types.js';
import type { ArchiveRow, ChildTarget, DeleteOutcome, RowOutcome, Sink, SinkCapabilities, SinkWriter, WriteOptions } from '../sink.js';
import { FatalError } from '../errors.js';
import type { RetryEvent } from '../retry.js';
import { fillPath, type HttpApiConfig, type RecordsEndpoint } from './http-config.js';
import { idempotencyKey } from './idempotency-key.js';
import { RequestQueue, type ApiResponse } from './request-queue.js';

export interface HttpSinkOptions {
  readonly fetch?: typeof fetch;
  readonly onRetry?: (event: RetryEvent & { readonly request: string }) => void;
}

/** Which endpoint a call of records goes to: insert-or-update, or update only. */
type RecordsCall = 'upsert' | 'update';

/** What every call of a writer carries: the write's signal, and the scope of its idempotency keys. */
interface ApiCallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly idempotencyScope?: string | undefined;
}

/** Requests sent, retried and throttled so far, for logs and benchmarks. */
export interface ApiSinkStats {
  readonly requests: number;
  readonly retries: number;
  readonly throttled: number;
}

export class HttpApiSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly endpoint: string;
  readonly #config: HttpApiConfig;
  readonly #queue: RequestQueue;
  #closed = false;

  constructor(config: HttpApiConfig, options: HttpSinkOptions = {}) {
    this.#config = config;
    this.endpoint = config.endpoint;
    this.capabilities = {
      transactional: false,
      state: 'beside',
      deletes: config.delete !== null,
      counts: config.count !== null,
      contentChecks: false,
      migrations: false,
    };
    const headers: Record<string, string> = {};
    if (config.auth) headers[config.auth.header] = config.auth.value;
    this.#queue = new RequestQueue({
      endpoint: config.endpoint,
      concurrency: config.limits.concurrency,
      requestsPerInterval: config.limits.requestsPerInterval,
      intervalMs: config.limits.intervalMs,
      timeoutMs: config.limits.timeoutMs,
      retry: config.retry,
      headers,
      onRetry: options.onRetry,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * Not a transaction: each call takes effect when it returns. Every call of the writer carries
   * `options.signal` and, in its idempotency keys, `options.idempotencyScope`.
   */
  write<T>(fn: (writer: SinkWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return fn(this.#writer({ signal: options.signal, idempotencyScope: options.idempotencyScope ?? '' }));
  }

  #writer(call: ApiCallOptions): SinkWriter {
    return {
      upsert: (target, records): Promise<RowOutcome[]> => this.#sendAll(target, records, 'upsert', 'upsert', call),
      patch: (target, records): Promise<RowOutcome[]> => this.#sendAll(target, records, this.#updates, 'patch', call),
      delete: (target, ids) => this.#delete(target, ids, call),
      archive: (target, column, rows, at) => this.#archive(target, column, rows, at, call),
      repoint: (child, childKeys, parentId) => this.#repoint(child, childKeys, parentId, call),
    };
  }

  /** Patches go to the update endpoint where there is one, so that a key the API lacks is refused rather than created. */
  get #updates(): RecordsCall {
    return this.#config.update ? 'update' : 'upsert';
  }

  /**
   * The archive field set by an update by external id; returns the records updated. A record the
   * update endpoint does not find is gone already and not counted; any other refusal stops the call
   * (`archive` answers a count, not outcomes): nothing is recorded, and the next run tries again.
   */
  async #archive(target: TargetTable, column: string, rows: readonly ArchiveRow[], at: Date, call: ApiCallOptions): Promise<number> {
    const archivedAt = at.toISOString();
    const outcomes = await this.#sendAll(target, rows.map((row) => ({ [target.key]: row.legacyKey, [column]: archivedAt })), this.#updates, 'archive', call);
    return this.#updated(outcomes, (index, reason) => `the API refused to archive ${target.table} record ${rows[index]!.legacyKey}: ${reason}`);
  }

  /** Children re-pointed by an update by their external id of the lookup field; counted and refused as in {@link #archive}. */
  async #repoint(child: ChildTarget, childKeys: readonly string[], parentId: string, call: ApiCallOptions): Promise<number> {
    if (childKeys.length === 0) return 0;
    const outcomes = await this.#sendAll(child, childKeys.map((key) => ({ [child.key]: key, [child.field]: parentId })), this.#updates, 'repoint', call);
    return this.#updated(outcomes, (index, reason) => `the API refused to re-point ${child.table} record ${childKeys[index]} to ${parentId}: ${reason}`);
  }

  /** Records updated among `outcomes`; those the update endpoint did not find are skipped, another refusal throws. */
  #updated(outcomes: readonly RowOutcome[], refusal: (index: number, reason: string) => string): number {
    let updated = 0;
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.ok) updated++;
      else if (!this.#notFound(outcome)) throw new FatalError(`${this.endpoint}: ${refusal(index, outcome.reason)}`);
    }
    return updated;
  }

  /** The update endpoint's answer that no record has the external id (`update.not_found_values`). */
  #notFound(outcome: RowOutcome): boolean {
    const update = this.#config.update;
    return !outcome.ok && update !== null && update.notFoundValues.includes(String(pick(outcome.detail, update.notFoundField)));
  }

  async #delete(target: TargetTable, ids: readonly string[], options: ApiCallOptions): Promise<DeleteOutcome[]> {
    const template = this.#config.delete;
    if (!template) throw new FatalError(`${this.endpoint}: no delete endpoint is configured (target.api.delete)`);
    return Promise.all(
      ids.map(async (id) => {
        await this.#queue.ready(this.#config.limits.concurrency * 4, options.signal);
        const response = await this.#queue.send(
          {
            method: template.method,
            url: this.#url(fillPath(template.path, { module: target.table, id })),
            idempotencyKey: idempotencyKey({ scope: options.idempotencyScope ?? '', module: target.table, operation: 'delete', ids: [id], content: null }),
          },
          options.signal,
        );
        // Already gone is what we wanted.
        if (response.status < 300 || response.status === 404) return { id, ok: true };
        return { id, ok: false, reason: `the target refused the row: the API answered ${response.status}: ${describe(response.body)}` };
      }),
    );
  }

  async countRows(target: TargetTable): Promise<number> {
    const template = this.#config.count;
    if (!template) throw new FatalError(`${this.endpoint}: no count endpoint is configured (target.api.count)`);
    const response = await this.#queue.send({ method: template.method, url: this.#url(fillPath(template.path, { module: target.table, key: target.key })) });
    const value = response.status < 300 ? pick(response.body, template.field) : undefined;
    if (typeof value !== 'number' && !(typeof value === 'string' && /^\d+$/.test(value))) {
      throw new FatalError(`${this.endpoint}: the count endpoint answered ${response.status} without a number at \`${template.field}\`: ${describe(response.body)}`);
    }
    return Number(value);
  }

  stats(): ApiSinkStats {
    return this.#queue.stats;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.close();
  }

  /** Splits into calls, sends them through the queue (bounded), and keeps the input order. */
  async #sendAll(target: TargetTable, records: readonly Row[], endpoint: RecordsCall, operation: string, options: ApiCallOptions): Promise<RowOutcome[]> {
    const size = this.#config.upsert.recordsPerCall;
    const calls: Promise<RowOutcome[]>[] = [];
    for (let start = 0; start < records.length; start += size) {
      // Backpressure: a few calls queued per slot, no more, however large the batch.
      await this.#queue.ready(this.#config.limits.concurrency * 4, options.signal);
      const call = this.#sendCall(target, records.slice(start, start + size), endpoint, operation, options);
      // Observed here so that a failure is not "unhandled" while later calls are queued; thrown by Promise.all.
      call.catch(() => undefined);
      calls.push(call);
    }
    return (await Promise.all(calls)).flat();
  }

  /** One call; a whole call refused as invalid is bisected so that only the bad records are rejected. */
  async #sendCall(target: TargetTable, records: readonly Row[], endpoint: RecordsCall, operation: string, options: ApiCallOptions): Promise<RowOutcome[]> {
    const { response: shape } = this.#config;
    const update = endpoint === 'update' ? this.#config.update : null;
    // Where the records go: the update endpoint, or the upsert one.
    const to: RecordsEndpoint = update ?? this.#config.upsert;
    const ids = records.map((record) => String(record[target.key]));
    const body: Record<string, unknown> = { ...fillBody(to.body, target.key), [to.recordsField]: records };
    const response = await this.#queue.send(
      {
        method: to.method,
        url: this.#url(fillPath(to.path, { module: target.table, key: target.key })),
        ...(update ? { headers: fillHeaders(update.headers, target) } : {}),
        body,
        idempotencyKey: idempotencyKey({ scope: options.idempotencyScope ?? '', module: target.table, operation, ids, content: records }),
      },
      options.signal,
    );
    const results = pick(response.body, shape.recordsField);
    if (Array.isArray(results) && results.length === records.length && (response.status < 300 || response.status === 400 || response.status === 422)) {
      return results.map((result, index) => this.#outcome(result, ids[index]!));
    }
    if (response.status < 300) {
      throw new FatalError(
        `${this.endpoint}: ${to.method} ${target.table} answered ${response.status} with ${Array.isArray(results) ? results.length : 'no'} results at \`${shape.recordsField}\` for ${records.length} records; ` +
          'check `target.api.response.records_field`',
      );
    }
    if (response.status === 400 || response.status === 422) {
      if (records.length === 1) return [{ ok: false, reason: `the target refused the row: the API answered ${response.status}: ${describe(response.body)}`, detail: response.body }];
      const middle = Math.ceil(records.length / 2);
      const [left, right] = await Promise.all([
        this.#sendCall(target, records.slice(0, middle), endpoint, operation, options),
        this.#sendCall(target, records.slice(middle), endpoint, operation, options),
      ]);
      return [...left, ...right];
    }
    if (response.status === 413) {
      throw new FatalError(`${this.endpoint}: ${target.table} answered 413 (payload too large) for ${records.length} records; lower \`target.api.upsert.records_per_call\``);
    }
    throw new FatalError(`${this.endpoint}: ${to.method} ${target.table} answered ${response.status}: ${describe(response.body)}`);
  }

  #outcome(result: unknown, externalId: string): RowOutcome {
    const shape = this.#config.response;
    const status = pick(result, shape.statusField);
    if (shape.successValues.includes(String(status))) {
      const id = pick(result, shape.idField);
      if (id === undefined || id === null || id === '') {
        throw new FatalError(`${this.endpoint}: record ${externalId} succeeded without an id at \`${shape.idField}\` (${describe(result)}); check \`target.api.response.id_field\``);
      }
      return { ok: true, id: String(id), inserted: shape.insertedValues.includes(String(pick(result, shape.actionField))) };
    }
    return { ok: false, reason: `the target refused the row: the API answered ${describe(result)}`, detail: result };
  }

  #url(path: string): string {
    return `${this.#config.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
  }
}

/** The value at a dotted path: `details.id`. */
export function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Header templates: `{module}` and `{key}` become the mapping's module and external-id field. */
function fillHeaders(template: Readonly<Record<string, string>>, target: TargetTable): Record<string, string> {
  return Object.fromEntries(Object.entries(template).map(([name, value]) => [name, value.replaceAll('{module}', target.table).replaceAll('{key}', target.key)]));
}

/** Body template: the string `{key}` anywhere becomes the mapping's external-id field. */
function fillBody(template: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(template).replaceAll('{key}', key.replaceAll('"', '\\"'))) as Record<string, unknown>;
}

function describe(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? 'no body' : text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
