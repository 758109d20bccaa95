import { redactUrl } from './connection-url.js';

/**
 * Three kinds of failure (STYLE 7): a bad row is a value (a rejection), a transient fault throws
 * {@link TransientError} and is retried, a fatal fault throws {@link FatalError} and stops the run
 * in a resumable state. Driver errors are classified here, the only place that knows their codes.
 */

/** Base class of connector errors; `where` names the endpoint (never with a password). */
export class ConnectorError extends Error {
  override readonly name: string = 'ConnectorError';
  /** Driver error code, when there is one (`ECONNREFUSED`, `28P01`, `ER_ACCESS_DENIED_ERROR`). */
  readonly code: string | undefined;
  constructor(message: string, options?: { cause?: unknown; code?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }
}

/** A fault that may pass: lost connection, deadlock, 429/503. Retried with back-off. */
export class TransientError extends ConnectorError {
  override readonly name: string = 'TransientError';
  /** The server's hint (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; code?: string | undefined; retryAfterMs?: number | undefined }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * A transient fault whose retry budget is spent. Still transient in kind (a later run may pass),
 * but final for this run: no layer retries it again, so that nested retries cannot multiply.
 * The message says how many attempts over how long: `…: gave up after 6 attempts over 31.2 s`.
 */
export class RetriesExhausted extends TransientError {
  override readonly name: string = 'RetriesExhausted';
  readonly attempts: number;
  readonly elapsedMs: number;
  constructor(last: TransientError, attempts: number, elapsedMs: number) {
    super(`${last.message}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${formatSeconds(elapsedMs)}`, {
      cause: last,
      code: last.code,
      retryAfterMs: last.retryAfterMs,
    });
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A fault that retrying will not fix: wrong password, missing table. Stops the run, resumably. */
export class FatalError extends ConnectorError {
  override readonly name = 'FatalError';
}

/** The connection URL or its options are wrong; found before anything connects. */
export class ConnectionConfigError extends Error {
  override readonly name = 'ConnectionConfigError';
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_CLIENT_INTERACTION_TIMEOUT',
]);

// PostgreSQL SQLSTATE classes: 08 connection exception, 40001/40P01 serialization/deadlock,
// 57P01..57P03 admin shutdown / crash / cannot connect now, 53300 too many connections.
const TRANSIENT_PG_STATES = /^(08...|40001|40P01|57P0[123]|53300)$/;

const FRIENDLY: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is the server running and listening on that port?',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'no answer within connect_timeout_ms',
  PROTOCOL_SEQUENCE_TIMEOUT: 'no answer within query_timeout_ms',
  ECONNRESET: 'connection reset by the server',
  PROTOCOL_CONNECTION_LOST: 'connection lost',
  ER_ACCESS_DENIED_ERROR: 'access denied: check the user name and password',
  // MariaDB's answer for a user it does not know, on some authentication set-ups.
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: 'access denied: check the user name and password',
  ER_BAD_DB_ERROR: 'database does not exist',
  // MariaDB says this, not ER_BAD_DB_ERROR, to a user without rights on a database that does not exist.
  ER_DBACCESS_DENIED_ERROR: 'access to the database denied: does it exist, and may this user use it?',
  ER_NO_SUCH_TABLE: 'table does not exist',
  ER_BAD_FIELD_ERROR: 'unknown column',
  '28P01': 'password authentication failed: check the user name and password',
  '28000': 'authentication rejected (pg_hba.conf or role)',
  '3D000': 'database does not exist',
  '42P01': 'table does not exist',
  '42703': 'column does not exist',
  '57P01': 'connection terminated by an administrator',
};

// pg's time-outs carry no code, only their text.
const UNCODED: readonly (readonly [RegExp, string])[] = [
  [/Connection terminated due to connection timeout|timeout exceeded when trying to connect/i, 'no answer within connect_timeout_ms'],
  [/Query read timeout/i, 'no answer within query_timeout_ms'],
];

interface DriverErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
}

/**
 * Wraps a driver error into a {@link TransientError} or {@link FatalError} whose message says what
 * happened and where: `PostgreSQL 127.0.0.1:5432/crm: password authentication failed … (28P01)`.
 * The driver's own message is kept as the cause, after redaction.
 */
export function classifyDriverError(error: unknown, where: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const folder = emscriptenFileError(error);
  if (folder !== undefined) return new FatalError(`${where}: ${folder.reason}`, { cause: error, code: folder.code });
  const e = (error ?? {}) as DriverErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const driverText = scrub(String(e.sqlMessage ?? e.message ?? error));
  const friendly = code !== undefined ? FRIENDLY[code] : UNCODED.find(([pattern]) => pattern.test(driverText))?.[1];
  const detail = friendly ? `${friendly} (${code === undefined ? '' : `${code}; `}${driverText})` : code ? `${driverText} (${code})` : driverText;
  const message = `${where}: ${detail}`;
  if (isTransientCode(code, driverText)) return new TransientError(message, { cause: error, code });
  return new FatalError(message, { cause: error, code });
}

/**
 * PGlite runs PostgreSQL in WebAssembly, whose file layer throws `ErrnoError { errno }` with no
 * message (printed as `[object Object]`). Its errno numbers are Emscripten's, not the OS's.
 */
const EMSCRIPTEN_ERRNO: Readonly<Record<number, readonly [code: string, reason: string]>> = {
  2: ['EACCES', 'permission denied on its data folder (EACCES); make the folder writable for the user running cutover'],
  63: ['EPERM', 'operation not permitted on its data folder (EPERM); make the folder writable for the user running cutover'],
  69: ['EROFS', 'its data folder is on a read-only file system (EROFS); choose a writable folder'],
  51: ['ENOSPC', 'no space left on the device of its data folder (ENOSPC); free some space, then run again (committed batches are kept)'],
  19: ['EDQUOT', 'disk quota exceeded on its data folder (EDQUOT); free some space, then run again (committed batches are kept)'],
  44: ['ENOENT', 'a file of its data folder is missing (ENOENT): the folder was removed or damaged while in use'],
  29: ['EIO', 'input/output error in its data folder (EIO)'],
};

function emscriptenFileError(error: unknown): { code: string; reason: string } | undefined {
  const { name, errno } = (error ?? {}) as { name?: unknown; errno?: unknown };
  if (name !== 'ErrnoError' || typeof errno !== 'number') return undefined;
  const [code, reason] = EMSCRIPTEN_ERRNO[errno] ?? [`errno ${errno}`, `file error ${errno} (WebAssembly errno) in its data folder`];
  return { code, reason };
}

function isTransientCode(code: string | undefined, text: string): boolean {
  // pg's "Client has encountered a connection error and is not queryable": a pooled client whose
  // server went away while it was checked out; a new connection succeeds.
  if (code === undefined) {
    return /Connection terminated|connection (?:closed|ended)|connection error and is not queryable|socket hang up|timeout exceeded when trying to connect|Query read timeout/i.test(text);
  }
  return TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_PG_STATES.test(code);
}

/**
 * Removes anything that looks like a password from driver text: URL passwords, and `password=…`
 * in key=value strings, up to the next `key=` (a password may hold spaces) or a quote's end.
 */
function scrub(text: string): string {
  return redactUrl(text).replace(/\b(password|passwd|pwd)(\s*=\s*)(?:'[^']*'?|"[^"]*"?|.*?(?=\s+[A-Za-z_]+\s*=|[)\]]?$))/gim, '$1$2***');
}
