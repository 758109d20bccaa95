/**
 * A small CRM REST API on loopback, modelled on Zoho CRM's public upsert API, for tests and the
 * HTTP benchmark to talk to over real sockets:
 * - `POST /crm/v{n}/{module}/upsert` `{ data: [...], duplicate_check_fields: ['legacy_id'] }`, up to
 *   100 records a call, one result per record (`SUCCESS` insert/update with `details.id`, or
 *   `MANDATORY_NOT_FOUND` / `INVALID_DATA` / `DUPLICATE_DATA` with `details`); 200 all succeeded,
 *   207 mixed, 400 none;
 * - `PUT /crm/v{n}/{module}` `{ data: [...] }`: updates only, by `id`, or by the external field that
 *   `X-EXTERNAL: {module}.{field}` names (as Zoho's external-id fields); a record it does not find
 *   is `RECORD_NOT_FOUND`, never created;
 * - `GET` / `DELETE /crm/v{n}/{module}/{id}`, `GET /crm/v{n}/{module}` (pages), `GET …/actions/count`;
 *   a record that another's lookup field holds is not deleted (409 `RECORD_IN_USE`);
 * - per module, what a CRM refuses ({@link ModuleRules}): required fields, field lengths, unique
 *   fields, dates that do not exist, and lookups that hold no record's id;
 * - `Authorization: Zoho-oauthtoken <token>` when a token is set (401 otherwise);
 * - a token bucket (429 with `Retry-After`), a seeded fraction of 503s, slow answers, and
 *   `Idempotency-Key` replay of earlier answers;
 * - `GET /__admin/stats` and `GET /__admin/records/{module}`: what it served and stored.
 * Standalone: `node dist/test/support/fake-crm-api.js --port 0 --rate 20 --fail-rate 0.05 --token t`
 * prints `{"url":…}` on its first line and serves until killed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface ModuleRules {
  /** Fields that must be present and non-empty. */
  readonly required?: readonly string[];
  /** Longest text allowed per field. */
  readonly maxLength?: Readonly<Record<string, number>>;
  /** Fields no two records may hold the same value of (NULL aside). */
  readonly unique?: readonly string[];
  /** Fields that hold a day, `yyyy-MM-dd`, which must exist. */
  readonly dates?: readonly string[];
  /** Lookup fields: field ▸ the module whose record id it holds (or NULL). */
  readonly lookups?: Readonly<Record<string, string>>;
}

export interface FakeCrmOptions {
  readonly port?: number;
  /** Required as `Authorization: Zoho-oauthtoken <token>`; none: no auth. */
  readonly token?: string;
  /** Token bucket: `perSecond` tokens a second, `burst` at most (default `perSecond`). */
  readonly rateLimit?: { readonly perSecond: number; readonly burst?: number };
  /** Fraction of API requests answered 503 before doing anything. @default 0 */
  readonly failRate?: number;
  /** Fraction of answers delayed by `slowMs` (after the work is done). @default 0 */
  readonly slowRate?: number;
  readonly slowMs?: number;
  /** Seed of the failure and delay draws, so that a run can be repeated. @default 1 */
  readonly seed?: number;
  readonly modules?: Readonly<Record<string, ModuleRules>>;
  /** @default 100 */
  readonly maxRecordsPerCall?: number;
  /** Ids as Zoho writes them (`4876876000000000`) or as UUIDs (APIs on PostgreSQL). @default 'zoho' */
  readonly ids?: 'zoho' | 'uuid';
}

export interface FakeCrmStats {
  requests: number;
  throttled: number;
  failed: number;
  replayed: number;
  upsertCalls: number;
  recordsInserted: number;
  recordsUpdated: number;
  recordsRefused: number;
  deleted: number;
  /** Epoch ms of the first and last API request served (not admin calls). */
  firstAt: number | null;
  lastAt: number | null;
}

type StoredRecord = Record<string, unknown> & { id: string };

export class FakeCrmApi {
  readonly #server: Server;
  readonly #options: FakeCrmOptions;
  readonly #modules = new Map<string, Map<string, StoredRecord>>();
  /** module → field → value → id: the duplicate check. */
  readonly #unique = new Map<string, Map<string, Map<string, string>>>();
  readonly #idempotent = new Map<string, { status: number; body: unknown }>();
  readonly #random: () => number;
  #tokens: number;
  #refilledAt = Date.now();
  #nextId = 4_876_876_000_000_000n;
  readonly stats: FakeCrmStats = { requests: 0, throttled: 0, failed: 0, replayed: 0, upsertCalls: 0, recordsInserted: 0, recordsUpdated: 0, recordsRefused: 0, deleted: 0, firstAt: null, lastAt: null };
  url = '';

  private constructor(options: FakeCrmOptions) {
    this.#options = options;
    this.#random = mulberry32(options.seed ?? 1);
    this.#tokens = options.rateLimit?.burst ?? options.rateLimit?.perSecond ?? 0;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => send(response, 500, { code: 'INTERNAL_ERROR', message: String(error) }));
    });
    // Keep-alive sockets of a client that is killed must not hold close() up.
    this.#server.keepAliveTimeout = 1000;
  }

  static async start(options: FakeCrmOptions = {}): Promise<FakeCrmApi> {
    const api = new FakeCrmApi(options);
    await new Promise<void>((resolve) => api.#server.listen(options.port ?? 0, '127.0.0.1', resolve));
    api.url = `http://127.0.0.1:${(api.#server.address() as AddressInfo).port}`;
    return api;
  }

  /** The records of a module, in id order. */
  records(module: string): StoredRecord[] {
    return [...(this.#modules.get(module)?.values() ?? [])];
  }

  /** Changes the failure rate while running (a test lets the first run fail, the next succeed). */
  setFailRate(rate: number): void {
    (this.#options as { failRate?: number }).failRate = rate;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const text = await readBody(request);
    if (url.pathname === '/__admin/stats') return send(response, 200, this.stats);
    const admin = /^\/__admin\/records\/([^/]+)$/.exec(url.pathname);
    if (admin) return send(response, 200, { data: this.records(decodeURIComponent(admin[1]!)) });

    const now = Date.now();
    this.stats.requests++;
    this.stats.firstAt ??= now;
    this.stats.lastAt = now;
    if (this.#options.token !== undefined && request.headers.authorization !== `Zoho-oauthtoken ${this.#options.token}`) {
      return send(response, 401, { code: 'INVALID_TOKEN', message: 'invalid oauth token', status: 'error' });
    }
    const wait = this.#takeToken(now);
    if (wait > 0) {
      this.stats.throttled++;
      response.setHeader('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
      return send(response, 429, { code: 'TOO_MANY_REQUESTS', message: 'rate limit exceeded', status: 'error' });
    }
    if (this.#random() < (this.#options.failRate ?? 0)) {
      this.stats.failed++;
      return send(response, 503, { code: 'SERVICE_UNAVAILABLE', message: 'try again later', status: 'error' });
    }
    const key = request.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? `${request.method} ${url.pathname} ${key}` : null;
    const earlier = idempotencyKey ? this.#idempotent.get(idempotencyKey) : undefined;
    let answer: { status: number; body: unknown };
    if (earlier) {
      this.stats.replayed++;
      answer = earlier;
    } else {
      const external = request.headers['x-external'];
      answer = this.#route(request.method ?? 'GET', url, text, typeof external === 'string' ? external : undefined);
      if (idempotencyKey && answer.status < 500) this.#idempotent.set(idempotencyKey, answer);
    }
    if (this.#random() < (this.#options.slowRate ?? 0)) await new Promise((resolve) => setTimeout(resolve, this.#options.slowMs ?? 2000));
    send(response, answer.status, answer.body);
  }

  /** Milliseconds until a token is free; 0 when one was taken. */
  #takeToken(now: number): number {
    const limit = this.#options.rateLimit;
    if (!limit) return 0;
    const burst = limit.burst ?? limit.perSecond;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * limit.perSecond);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return ((1 - this.#tokens) / limit.perSecond) * 1000;
  }

  #route(method: string, url: URL, text: string, external: string | undefined): { status: number; body: unknown } {
    const parts = /^\/crm\/v\d+\/([A-Za-z_][A-Za-z0-9_]*)(?:\/(.+))?$/.exec(url.pathname);
    if (!parts) return { status: 404, body: { code: 'INVALID_URL_PATTERN', message: 'no such endpoint', status: 'error' } };
    const module = parts[1]!;
    const rest = parts[2];
    if (method === 'POST' && rest === 'upsert') return this.#upsert(module, text);
    if (method === 'PUT' && rest === undefined) return this.#update(module, text, external);
    if (method === 'GET' && rest === 'actions/count') return { status: 200, body: { count: this.#modules.get(module)?.size ?? 0 } };
    if (method === 'GET' && rest === undefined) {
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const perPage = Math.min(200, Math.max(1, Number(url.searchParams.get('per_page') ?? 200)));
      const all = this.records(module);
      const data = all.slice((page - 1) * perPage, page * perPage);
      return { status: 200, body: { data, info: { page, per_page: perPage, count: data.length, more_records: page * perPage < all.length } } };
    }
    // A record's own path, by either id style the fake hands out (Zoho's digits, or a UUID).
    if (rest !== undefined && /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(rest)) {
      const records = this.#modules.get(module);
      const record = records?.get(rest);
      if (!record) return { status: 404, body: { code: 'INVALID_DATA', message: 'the related id given seems to be invalid', details: { id: rest }, status: 'error' } };
      if (method === 'GET') return { status: 200, body: { data: [record] } };
      if (method === 'DELETE') {
        const holders = this.#referencing(module, rest);
        if (holders.length > 0) {
          return { status: 409, body: { code: 'RECORD_IN_USE', message: 'the record is referenced by other records', details: { id: rest, referenced_by: holders.slice(0, 10) }, status: 'error' } };
        }
        records!.delete(rest);
        this.#unindex(module, record);
        this.stats.deleted++;
        return { status: 200, body: { data: [{ code: 'SUCCESS', details: { id: rest }, message: 'record deleted', status: 'success' }] } };
      }
    }
    return { status: 405, body: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here`, status: 'error' } };
  }

  #upsert(module: string, text: string): { status: number; body: unknown } {
    this.stats.upsertCalls++;
    const body = this.#records(text);
    if ('status' in body) return body;
    const checks = Array.isArray(body.duplicate_check_fields) ? body.duplicate_check_fields.map(String) : [];
    const rules = this.#options.modules?.[module] ?? {};
    return answerOf(body.data.map((input) => this.#upsertOne(module, input, checks, rules)));
  }

  /** Updates by `id`, or by the field `X-EXTERNAL: {module}.{field}` names; creates nothing. */
  #update(module: string, text: string, external: string | undefined): { status: number; body: unknown } {
    const body = this.#records(text);
    if ('status' in body) return body;
    let field = 'id';
    if (external !== undefined) {
      const [named, ...rest] = external.split('.');
      if (named !== module || rest.length !== 1 || rest[0] === '') {
        return { status: 400, body: { code: 'INVALID_DATA', message: `X-EXTERNAL must be '${module}.<field>', got '${external}'`, details: { header: 'X-EXTERNAL' }, status: 'error' } };
      }
      field = rest[0]!;
    }
    const rules = this.#options.modules?.[module] ?? {};
    const records = this.#modules.get(module);
    return answerOf(
      body.data.map((input) => {
        const value = input[field];
        const id = field === 'id' ? (records?.has(String(value)) ? String(value) : undefined) : this.#index(module, field).get(String(value));
        if (value === undefined || value === null || id === undefined) {
          this.stats.recordsRefused++;
          return { code: 'RECORD_NOT_FOUND', details: { api_name: field, value: value ?? null }, message: 'no record has this value', status: 'error' };
        }
        const refusal = this.#refusal(module, { ...input, id }, id, rules);
        if (refusal) return refusal;
        this.#store(module, { ...records!.get(id)!, ...input, id }, []);
        this.stats.recordsUpdated++;
        return { code: 'SUCCESS', action: 'update', details: { id, Modified_Time: new Date().toISOString() }, message: 'record updated', status: 'success' };
      }),
    );
  }

  /** The records of an upsert or update body, or the answer refusing the call. */
  #records(text: string): { data: Record<string, unknown>[]; duplicate_check_fields?: unknown } | { status: number; body: unknown } {
    let body: { data?: unknown; duplicate_check_fields?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { status: 400, body: { code: 'INVALID_DATA', message: 'body is not JSON', status: 'error' } };
    }
    if (!Array.isArray(body.data) || body.data.length === 0) return { status: 400, body: { code: 'INVALID_DATA', message: '`data` must be a non-empty array', details: { api_name: 'data' }, status: 'error' } };
    const max = this.#options.maxRecordsPerCall ?? 100;
    if (body.data.length > max) return { status: 400, body: { code: 'LIMIT_EXCEEDED', message: `at most ${max} records a call`, details: { limit: max }, status: 'error' } };
    return { ...body, data: body.data as Record<string, unknown>[] };
  }

  #upsertOne(module: string, input: Record<string, unknown>, checks: readonly string[], rules: ModuleRules): Record<string, unknown> {
    const existingId = checks.map((field) => this.#index(module, field).get(String(input[field]))).find((id) => id !== undefined);
    const refusal = this.#refusal(module, input, existingId, rules);
    if (refusal) return refusal;
    if (existingId !== undefined) {
      this.#store(module, { ...this.#modules.get(module)!.get(existingId)!, ...input, id: existingId }, checks);
      this.stats.recordsUpdated++;
      return { code: 'SUCCESS', duplicate_field: checks[0] ?? null, action: 'update', details: { id: existingId, Modified_Time: new Date().toISOString() }, message: 'record updated', status: 'success' };
    }
    const id = this.#options.ids === 'uuid' ? randomUUID() : String(this.#nextId++);
    this.#store(module, { ...input, id }, checks);
    this.stats.recordsInserted++;
    return { code: 'SUCCESS', duplicate_field: null, action: 'insert', details: { id, Created_Time: new Date().toISOString() }, message: 'record added', status: 'success' };
  }

  /**
   * Why the module's rules refuse `input` (written over record `existingId`, or new), as a
   * per-record result; undefined when they take it. On an update a missing field keeps its value.
   */
  #refusal(module: string, input: Record<string, unknown>, existingId: string | undefined, rules: ModuleRules): Record<string, unknown> | undefined {
    const refuse = (result: Record<string, unknown>) => {
      this.stats.recordsRefused++;
      return { ...result, status: 'error' };
    };
    for (const field of rules.required ?? []) {
      const value = input[field];
      if (value === null || value === '') return refuse({ code: 'MANDATORY_NOT_FOUND', details: { api_name: field }, message: `required field may not be ${value === null ? 'null' : 'empty'}` });
      if (value === undefined && existingId === undefined) return refuse({ code: 'MANDATORY_NOT_FOUND', details: { api_name: field }, message: 'required field not found' });
    }
    for (const [field, length] of Object.entries(rules.maxLength ?? {})) {
      const value = input[field];
      if (typeof value === 'string' && [...value].length > length) return refuse({ code: 'INVALID_DATA', details: { api_name: field, maximum_length: length }, message: 'invalid data' });
    }
    for (const field of rules.dates ?? []) {
      const value = input[field];
      if (value !== undefined && value !== null && !isDay(value)) return refuse({ code: 'INVALID_DATA', details: { api_name: field, expected_data_type: 'date' }, message: 'invalid date' });
    }
    for (const [field, parent] of Object.entries(rules.lookups ?? {})) {
      const value = input[field];
      if (value !== undefined && value !== null && !this.#modules.get(parent)?.has(String(value))) {
        return refuse({ code: 'INVALID_DATA', details: { api_name: field, expected_data_type: 'lookup', module: parent }, message: 'the related record does not exist' });
      }
    }
    for (const field of rules.unique ?? []) {
      const value = input[field];
      const holder = value === undefined || value === null ? undefined : this.#index(module, field).get(String(value));
      if (holder !== undefined && holder !== existingId) return refuse({ code: 'DUPLICATE_DATA', details: { api_name: field, id: holder }, message: 'duplicate data' });
    }
    return undefined;
  }

  /**
   * Stores a record, its earlier values unindexed, and indexes it by every field the module is
   * indexed by: earlier duplicate checks, `checks`, and the module's unique fields.
   */
  #store(module: string, record: StoredRecord, checks: readonly string[]): void {
    const records = this.#modules.get(module) ?? new Map<string, StoredRecord>();
    this.#modules.set(module, records);
    const earlier = records.get(record.id);
    if (earlier) this.#unindex(module, earlier);
    records.set(record.id, record);
    const fields = new Set([...(this.#unique.get(module)?.keys() ?? []), ...checks, ...(this.#options.modules?.[module]?.unique ?? [])]);
    for (const field of fields) {
      if (record[field] !== undefined && record[field] !== null) this.#index(module, field).set(String(record[field]), record.id);
    }
  }

  /** Removes a record's values from its module's indexes. */
  #unindex(module: string, record: StoredRecord): void {
    for (const [field, index] of this.#unique.get(module) ?? []) {
      const value = record[field];
      if (value !== undefined && value !== null && index.get(String(value)) === record.id) index.delete(String(value));
    }
  }

  /** `module/id` of up to a few records whose lookup fields hold `id` of `module`. */
  #referencing(module: string, id: string): string[] {
    const holders: string[] = [];
    for (const [other, rules] of Object.entries(this.#options.modules ?? {})) {
      const fields = Object.entries(rules.lookups ?? {}).filter(([, parent]) => parent === module).map(([field]) => field);
      if (fields.length === 0) continue;
      for (const record of this.#modules.get(other)?.values() ?? []) {
        if (fields.some((field) => record[field] !== undefined && record[field] !== null && String(record[field]) === id)) holders.push(`${other}/${record.id}`);
      }
    }
    return holders;
  }

  #index(module: string, field: string): Map<string, string> {
    const byField = this.#unique.get(module) ?? new Map<string, Map<string, string>>();
    this.#unique.set(module, byField);
    const index = byField.get(field) ?? new Map<string, string>();
    byField.set(field, index);
    return index;
  }

}

/** 200 when every record succeeded, 207 when some did, 400 when none did. */
function answerOf(results: readonly Record<string, unknown>[]): { status: number; body: unknown } {
  const ok = results.filter((result) => result.status === 'success').length;
  return { status: ok === results.length ? 200 : ok === 0 ? 400 : 207, body: { data: results } };
}

/** A day that exists, written `yyyy-MM-dd`. */
function isDay(value: unknown): boolean {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A small seeded PRNG (mulberry32): the same seed draws the same failures. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `--port 0 --rate 20 --burst 20 --fail-rate 0.05 --slow-rate 0 --slow-ms 2000 --seed 1 --token secret --ids uuid` */
export function parseFakeCrmArgs(args: readonly string[]): FakeCrmOptions {
  const value = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const number = (name: string) => (value(name) === undefined ? undefined : Number(value(name)));
  const rate = number('rate');
  return {
    port: number('port') ?? 0,
    ...(value('token') !== undefined ? { token: value('token')! } : {}),
    ...(rate ? { rateLimit: { perSecond: rate, burst: number('burst') ?? rate } } : {}),
    failRate: number('fail-rate') ?? 0,
    slowRate: number('slow-rate') ?? 0,
    slowMs: number('slow-ms') ?? 2000,
    seed: number('seed') ?? 1,
    ids: value('ids') === 'uuid' ? 'uuid' : 'zoho',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const api = await FakeCrmApi.start(parseFakeCrmArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
  const stop = () => void api.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
