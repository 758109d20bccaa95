import type { ConnectionUrl } from '../connection-url.js';
import { describeEndpoint } from '../connection-url.js';
import { ConnectionConfigError } from '../errors.js';

/** Validated options of a `mysql://` or `mariadb://` URL. */
export interface MysqlConfig {
  readonly url: ConnectionUrl;
  /** `host:port/database`, for messages. */
  readonly endpoint: string;
  readonly poolSize: number;
  /** How long one connection attempt may take (TCP and handshake). @default 10_000 */
  readonly connectTimeoutMs: number;
  /** How long one query may go without an answer before it fails (transient, so retried); 0 for no limit. @default 600_000 */
  readonly queryTimeoutMs: number;
  /** Time zone the server's DATETIME values are read in; values stay text, so this only affects NOW(). A target always works in UTC. */
  readonly timezone: string;
  /** Target: rows per multi-row INSERT at most. @default 2000 */
  readonly statementRows: number;
  /** Target: bytes of one statement at most; `max_allowed_packet` bounds it too. @default 4 MiB */
  readonly statementBytes: number;
}

const OPTIONS = ['pool_size', 'connect_timeout_ms', 'query_timeout_ms', 'timezone', 'statement_rows', 'statement_bytes'] as const;

/** Ten minutes: longer than any keyset page or COUNT should take, short enough that a server gone silent cannot hold a run. */
export const DEFAULT_QUERY_TIMEOUT_MS = 600_000;

/** Rows per INSERT of a target: 500 cost a third more CPU, 10,000 no less (scripts/bench-mysql-sink.ts), and a refused row is found in fewer halvings than among 10,000. */
export const DEFAULT_STATEMENT_ROWS = 2_000;
/** 4 MiB: well under MariaDB's default 16 MiB `max_allowed_packet` (MySQL's is 64 MiB). */
export const DEFAULT_STATEMENT_BYTES = 4 * 1024 * 1024;

export function parseMysqlConfig(url: ConnectionUrl): MysqlConfig {
  for (const name of Object.keys(url.params)) {
    if (!(OPTIONS as readonly string[]).includes(name)) {
      throw new ConnectionConfigError(`Unknown option \`${name}\` in ${url.redacted}; valid options are ${OPTIONS.join(', ')}`);
    }
  }
  if (!url.host) throw new ConnectionConfigError(`Expected a host in ${url.redacted}, e.g. mysql://user@127.0.0.1:3306/legacy_crm`);
  if (!url.path) throw new ConnectionConfigError(`Expected a database name in ${url.redacted}, e.g. mysql://user@127.0.0.1:3306/legacy_crm`);
  return Object.freeze({
    url,
    endpoint: describeEndpoint(url, 3306),
    poolSize: integerOption(url, 'pool_size', 4, 1, 64),
    connectTimeoutMs: integerOption(url, 'connect_timeout_ms', 10_000, 100, 600_000),
    queryTimeoutMs: integerOption(url, 'query_timeout_ms', DEFAULT_QUERY_TIMEOUT_MS, 0, 86_400_000),
    timezone: url.params.timezone ?? 'local',
    statementRows: integerOption(url, 'statement_rows', DEFAULT_STATEMENT_ROWS, 1, 65_535),
    statementBytes: integerOption(url, 'statement_bytes', DEFAULT_STATEMENT_BYTES, 65_536, 1_073_741_824),
  });
}

export function integerOption(url: ConnectionUrl, name: string, fallback: number, min: number, max: number): number {
  const text = url.params[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConnectionConfigError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${text}\` in ${url.redacted}`);
  }
  return value;
}
