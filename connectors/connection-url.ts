/**
 * Connection URLs: `mysql://user:pass@host:3306/db`, `postgres://…`, `pglite://./dir`,
 * `file://./export/customers.csv`, `https://api.example.com`. Parsed once, with the password kept
 * apart so that nothing prints it by accident.
 */
import path from 'node:path';

/** A parsed connection URL. `toString()` and `redacted` never contain the password. */
export interface ConnectionUrl {
  readonly scheme: string;
  /** For network URLs. */
  readonly host: string;
  readonly port: number | null;
  readonly username: string;
  /** Kept out of enumeration so that logging the object cannot leak it. */
  readonly password: string;
  /** Database name (network URLs) or the path after `scheme://` (file-like URLs). */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  /** The URL with the password replaced by `***`. */
  readonly redacted: string;
}

export class ConnectionUrlError extends Error {
  override readonly name = 'ConnectionUrlError';
}

const FILE_LIKE = new Set(['file', 'pglite']);

/**
 * Parses a URL after `${ENV}` interpolation.
 * @throws ConnectionUrlError when the text is not a URL of the form `scheme://…`.
 */
export function parseConnectionUrl(text: string): ConnectionUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text.trim());
  if (!match) {
    throw new ConnectionUrlError(`Expected a connection URL like mysql://user@host:3306/db or file://./export, got \`${redactUrl(text)}\``);
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (FILE_LIKE.has(scheme)) {
    const [pathPart, query = ''] = splitOnce(rest, '?');
    const url = makeUrl({ scheme, host: '', port: null, username: '', path: decodeURIComponent(pathPart), params: parseQuery(query) });
    return withPassword(url, '');
  }
  let parsed: URL;
  try {
    parsed = new URL(text.trim());
  } catch {
    throw new ConnectionUrlError(`Expected a connection URL like ${scheme}://user@host:port/database, got \`${redactUrl(text)}\``);
  }
  const url = makeUrl({
    scheme,
    host: parsed.hostname,
    port: parsed.port === '' ? null : Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    path: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    params: Object.fromEntries(parsed.searchParams),
  });
  return withPassword(url, decodeURIComponent(parsed.password));
}

/** Replaces the password of any URL-looking text with `***`. Safe on text that is not a URL. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@\s/]*@/gi, '$1:***@');
}

/** Resolves a file-like URL path against the project folder. */
export function resolveUrlPath(url: ConnectionUrl, baseDir: string): string {
  return path.resolve(baseDir, url.path);
}

/** `host:port/database` for messages: enough to find the server, nothing secret. */
export function describeEndpoint(url: ConnectionUrl, defaultPort: number): string {
  return `${url.host}:${url.port ?? defaultPort}/${url.path}`;
}

type UrlParts = Omit<ConnectionUrl, 'password' | 'redacted'>;

function makeUrl(parts: UrlParts): UrlParts {
  return parts;
}

function withPassword(parts: UrlParts, password: string): ConnectionUrl {
  const query = Object.entries(parts.params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const auth = parts.username ? `${encodeURIComponent(parts.username)}${password ? ':***' : ''}@` : '';
  const hostPort = parts.host ? `${parts.host}${parts.port === null ? '' : `:${parts.port}`}` : '';
  const separator = FILE_LIKE.has(parts.scheme) ? '' : '/';
  const redacted = `${parts.scheme}://${auth}${hostPort}${separator}${parts.path}${query ? `?${query}` : ''}`;
  const url = { ...parts, redacted, toString: () => redacted };
  Object.defineProperty(url, 'password', { value: password, enumerable: false });
  // toJSON keeps the redacted form in logs and reports even when the object is serialised whole.
  Object.defineProperty(url, 'toJSON', { value: () => redacted, enumerable: false });
  return Object.freeze(url) as unknown as ConnectionUrl;
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function parseQuery(query: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(query));
}
