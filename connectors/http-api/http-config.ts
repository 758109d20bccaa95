/**
 * The validated settings of an HTTP API target: the `https://…` URL from `connections`, plus the
 * `target.api` block of cutover.yaml (structure checked by `mappings/project.schema.json` before
 * this runs; here the rules a schema cannot express, and defaults). The credential is read from the
 * environment at the config edge and kept out of enumeration, so that logging the config cannot leak it.
 */
import type { ConnectionUrl } from '../connection-url.js';
import { ConnectionConfigError } from '../errors.js';
import type { RetryPolicy } from '../retry.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** `target.api` as written in cutover.yaml (snake_case), after schema validation. */
export interface RawHttpApiSettings {
  auth?: { header?: string; env: string; prefix?: string };
  upsert: { method?: HttpMethod; path: string; records_per_call?: number; records_field?: string; body?: Record<string, unknown> };
  response?: { records_field?: string; id_field?: string; action_field?: string; inserted_values?: string[]; status_field?: string; success_values?: string[] };
  update?: {
    method?: HttpMethod;
    path: string;
    records_field?: string;
    body?: Record<string, unknown>;
    headers?: Record<string, string>;
    not_found_field?: string;
    not_found_values?: string[];
  };
  delete?: { method?: HttpMethod; path: string };
  count?: { method?: HttpMethod; path: string; field?: string };
  limits?: {
    concurrency?: number;
    requests_per_interval?: number;
    interval_ms?: number;
    timeout_ms?: number;
    retries?: number;
    base_delay_ms?: number;
    max_delay_ms?: number;
  };
}

/** A request template: `{module}`, `{id}` and `{key}` are filled in per call. */
export interface EndpointTemplate {
  readonly method: HttpMethod;
  readonly path: string;
}

/** An endpoint that takes records in its body and answers one result per record. */
export interface RecordsEndpoint extends EndpointTemplate {
  /** Body field that holds the records: `{ data: [...] }`. */
  readonly recordsField: string;
  /** Further body fields; strings `{key}` become the mapping's external-id field. */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface HttpApiConfig {
  readonly url: ConnectionUrl;
  /** Scheme, host, port and path prefix, without credentials or a trailing slash. */
  readonly baseUrl: string;
  /** For messages. */
  readonly endpoint: string;
  /** The header that carries the credential, and where it came from; the value itself is not enumerable. */
  readonly auth: { readonly header: string; readonly env: string; readonly value: string } | null;
  readonly upsert: RecordsEndpoint & { readonly recordsPerCall: number };
  readonly response: {
    readonly recordsField: string;
    /** Dotted path of the id inside one record's result: `details.id`. */
    readonly idField: string;
    readonly actionField: string;
    readonly insertedValues: readonly string[];
    readonly statusField: string;
    readonly successValues: readonly string[];
  };
  /**
   * Updates records by external id and creates none: patches, archives and re-points go through it
   * (else through `upsert`, which creates a record for a key the API no longer has).
   */
  readonly update: RecordsEndpoint & {
    /** Headers of each call; `{module}` and `{key}` are filled in (`X-EXTERNAL: {module}.{key}`). */
    readonly headers: Readonly<Record<string, string>>;
    /** Dotted path, in one record's result, of the value that says no record has its external id. */
    readonly notFoundField: string;
    readonly notFoundValues: readonly string[];
  } | null;
  readonly delete: EndpointTemplate | null;
  readonly count: (EndpointTemplate & { readonly field: string }) | null;
  readonly limits: {
    readonly concurrency: number;
    readonly requestsPerInterval: number;
    readonly intervalMs: number;
    readonly timeoutMs: number;
  };
  readonly retry: RetryPolicy;
}

/** A settings problem, with the JSON pointer inside `target.api` that it concerns. */
export class HttpSettingsError extends ConnectionConfigError {
  readonly pointer: string;
  constructor(pointer: string, message: string) {
    super(message);
    this.pointer = pointer;
  }
}

/**
 * Builds the config of an `https://` (or `http://`) target.
 * @param secret the credential, read from `settings.auth.env` by the config edge
 */
export function parseHttpApiConfig(url: ConnectionUrl, settings: unknown, secret: string | undefined): HttpApiConfig {
  if (url.username || url.password) {
    throw new ConnectionConfigError(`Put no credentials in an API URL (${url.redacted}); name an environment variable in \`target.api.auth.env\` instead`);
  }
  if (Object.keys(url.params).length > 0) {
    throw new ConnectionConfigError(`API URLs take no options, got \`${Object.keys(url.params).join(', ')}\` in ${url.redacted}; settings go in \`target.api\``);
  }
  if (settings === undefined || settings === null) {
    throw new ConnectionConfigError(`${url.redacted} is an HTTP API: describe it under \`target.api\` in cutover.yaml (upsert path, auth, limits); see docs/http-api.md`);
  }
  const raw = settings as RawHttpApiSettings;
  const upsertPath = raw.upsert.path;
  if (!upsertPath.includes('{module}')) throw new HttpSettingsError('/upsert/path', `must contain \`{module}\`, replaced by each mapping's \`target.module\` (got '${upsertPath}')`);
  if (raw.update && !raw.update.path.includes('{module}')) throw new HttpSettingsError('/update/path', `must contain \`{module}\`, replaced by each mapping's \`target.module\` (got '${raw.update.path}')`);
  if (raw.delete && !raw.delete.path.includes('{id}')) throw new HttpSettingsError('/delete/path', `must contain \`{id}\`, the API's id of the record to delete (got '${raw.delete.path}')`);
  if (raw.auth && !secret) throw new HttpSettingsError('/auth/env', `environment variable \`${raw.auth.env}\` is not set or empty; it must hold the API token`);
  const limits = raw.limits ?? {};
  const port = url.port === null ? '' : `:${url.port}`;
  const prefix = url.path ? `/${url.path.replace(/\/+$/, '')}` : '';
  const baseUrl = `${url.scheme}://${url.host}${port}${prefix}`;
  let auth: HttpApiConfig['auth'] = null;
  if (raw.auth) {
    auth = { header: raw.auth.header ?? 'Authorization', env: raw.auth.env } as HttpApiConfig['auth'];
    Object.defineProperty(auth, 'value', { value: `${raw.auth.prefix ?? ''}${secret}`, enumerable: false });
  }
  const response = raw.response ?? {};
  const retries = limits.retries ?? 6;
  const baseDelayMs = limits.base_delay_ms ?? 250;
  const maxDelayMs = limits.max_delay_ms ?? 30_000;
  if (baseDelayMs > maxDelayMs) throw new HttpSettingsError('/limits/base_delay_ms', `must not exceed \`max_delay_ms\` (${maxDelayMs}), got ${baseDelayMs}`);
  return Object.freeze({
    url,
    baseUrl,
    endpoint: baseUrl,
    auth,
    upsert: {
      method: raw.upsert.method ?? 'POST',
      path: upsertPath,
      recordsPerCall: raw.upsert.records_per_call ?? 100,
      recordsField: raw.upsert.records_field ?? 'data',
      body: raw.upsert.body ?? {},
    },
    response: {
      recordsField: response.records_field ?? 'data',
      idField: response.id_field ?? 'details.id',
      actionField: response.action_field ?? 'action',
      insertedValues: response.inserted_values ?? ['insert'],
      statusField: response.status_field ?? 'status',
      successValues: response.success_values ?? ['success'],
    },
    update: raw.update
      ? {
          method: raw.update.method ?? 'PUT',
          path: raw.update.path,
          recordsField: raw.update.records_field ?? raw.upsert.records_field ?? 'data',
          body: raw.update.body ?? {},
          headers: raw.update.headers ?? {},
          notFoundField: raw.update.not_found_field ?? 'code',
          notFoundValues: raw.update.not_found_values ?? ['RECORD_NOT_FOUND', 'NOT_FOUND'],
        }
      : null,
    delete: raw.delete ? { method: raw.delete.method ?? 'DELETE', path: raw.delete.path } : null,
    count: raw.count ? { method: raw.count.method ?? 'GET', path: raw.count.path, field: raw.count.field ?? 'count' } : null,
    limits: {
      concurrency: limits.concurrency ?? 4,
      requestsPerInterval: limits.requests_per_interval ?? 10,
      intervalMs: limits.interval_ms ?? 1000,
      timeoutMs: limits.timeout_ms ?? 30_000,
    },
    retry: { retries, baseDelayMs, maxDelayMs },
  });
}

/** Fills `{module}`, `{id}` and `{key}` in a path, each value URL-encoded. */
export function fillPath(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(module|id|key)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? ''));
}
