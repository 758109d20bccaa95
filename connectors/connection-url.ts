/**
 * Connection URLs: `mysql://user:pass@host:3306/db`, `postgres://…`, `pglite://./dir`,
 * `file://./export/customers.csv`, `https://api.example.com`. Parsed once, with the password kept
 * apart so that nothing prints it by accident.
 */
import path from 'node:path';
import { redactUrl, redactValue } from './redact-url.js';

export { redactUrl, redactValue } from './redact-url.js';

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

/**
 * The text is not a connection URL. `unencoded` lists the characters of the user name or password
 * that must be percent-encoded (`/` → `%2F`), when that is the problem.
 */
export class ConnectionUrlError extends Error {
  override readonly name = 'ConnectionUrlError';
  readonly unencoded: readonly string[];
  constructor(message: string, options: { unencoded?: readonly string[] } = {}) {
    super(message);
    this.unencoded = options.unencoded ?? [];
  }
}

const FILE_LIKE = new Set(['file', 'pglite']);

/**
 * Characters that end the user name and password in every URL parser (`/ ? #`), or make its
 * percent-decoding ambiguous (a `%` not followed by two hex digits). Either means the password was
 * written raw.
 */
const BREAKS_USERINFO = /[/?#]|%(?![0-9a-f]{2})/i;

/** What a raw password must have percent-encoded, in the order a message lists them. */
const RESERVED_IN_USERINFO = ['/', '?', '#', '@', ':', '%', ' ', '[', ']'] as const;

/**
 * Parses a URL after `${ENV}` interpolation. The user name and password are everything between
 * `scheme://` and the last `@`, so a percent-encoded password may stand for any text; a raw `@`
 * or `:` in the password is taken as written.
 * @throws ConnectionUrlError when the text is not a URL of the form `scheme://…`, or when its
 * password holds a raw `/`, `?`, `#` or `%` (the message shows which characters to encode, never
 * the password).
 */
export function parseConnectionUrl(text: string): ConnectionUrl {
  const trimmed = text.trim();
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(trimmed);
  if (!match) {
    throw new ConnectionUrlError(`Expected a connection URL like mysql://user@host:3306/db or file://./export, got \`${redactValue(trimmed)}\``);
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (FILE_LIKE.has(scheme)) {
    const [pathPart, query = ''] = splitOnce(rest, '?');
    const url = makeUrl({ scheme, host: '', port: null, username: '', path: decodePart(pathPart, `${scheme}://${pathPart}`), params: parseQuery(query) });
    return withPassword(url, '');
  }
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? '' : rest.slice(0, at);
  const hostPart = at < 0 ? rest : rest.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const rawPassword = colon < 0 ? '' : userinfo.slice(colon + 1);
  // Also redacted when there is no `@`: `mysql://user:pa/ss` is a password cut short, not a port.
  const shown = redactUrl(`${scheme}://${at < 0 ? '' : `${PLAIN_USER.test(rawUser) ? rawUser : '***'}${colon < 0 ? '' : ':***'}@`}${hostPart}`);
  if (BREAKS_USERINFO.test(userinfo)) {
    const unencoded = RESERVED_IN_USERINFO.filter((c) => (c === ':' ? rawPassword : userinfo).includes(c));
    throw new ConnectionUrlError(
      `the user name or password in \`${shown}\` holds characters a URL reserves; write them percent-encoded: ${unencoded.map((c) => `\`${c === ' ' ? 'space' : c}\` as \`${percentEncode(c)}\``).join(', ')}` +
        (userinfo.includes('/') ? ' (an `@` in the database name, path or options is written `%40`)' : ''),
      { unencoded },
    );
  }
  let parsed: URL;
  try {
    // Without the user name and password: what is left holds no secret, and no `@`.
    parsed = new URL(`${scheme}://${hostPart}`);
  } catch {
    throw new ConnectionUrlError(`Expected a connection URL like ${scheme}://user@host:port/database, got \`${shown}\``);
  }
  const url = makeUrl({
    scheme,
    host: parsed.hostname,
    port: parsed.port === '' ? null : Number(parsed.port),
    username: decodeURIComponent(rawUser),
    path: decodePart(parsed.pathname.replace(/^\//, ''), shown),
    params: Object.fromEntries(parsed.searchParams),
  });
  return withPassword(url, decodeURIComponent(rawPassword));
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
  const auth = parts.username || password ? `${encodeURIComponent(parts.username)}${password ? ':***' : ''}@` : '';
  const hostPort = parts.host ? `${parts.host}${parts.port === null ? '' : `:${parts.port}`}` : '';
  const separator = FILE_LIKE.has(parts.scheme) ? '' : '/';
  // A path or option could still hold what the user meant as a password (`pglite://u:pw@x`).
  const redacted = redactUrl(`${parts.scheme}://${auth}${hostPort}${separator}${parts.path}${query ? `?${query}` : ''}`);
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

/** A user name shown in messages as written; one with other characters is hidden with the password. */
const PLAIN_USER = /^[A-Za-z0-9._~!$&'()*+,;=%-]*$/;

function percentEncode(character: string): string {
  return `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

function decodePart(text: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConnectionUrlError(`Expected \`%\` to start a percent-encoded character such as %2F in \`${redactUrl(shown)}\`; write a \`%\` itself as \`%25\``);
  }
}
