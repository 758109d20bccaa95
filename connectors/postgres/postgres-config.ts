import type { ConnectionUrl } from '../connection-url.js';
import { describeEndpoint } from '../connection-url.js';
import { ConnectionConfigError } from '../errors.js';
import { DEFAULT_QUERY_TIMEOUT_MS, integerOption } from '../mysql/mysql-config.js';

/** Validated options of a `postgres://` or `postgresql://` URL. */
export interface PostgresConfig {
  readonly url: ConnectionUrl;
  readonly endpoint: string;
  /** Schema of the target tables (first on the search path). @default public */
  readonly schema: string;
  readonly poolSize: number;
  /** How long one connection attempt may take (TCP, TLS and authentication). @default 10_000 */
  readonly connectTimeoutMs: number;
  /** How long one statement may go without an answer before it fails (transient, so retried); 0 for no limit. @default 600_000 */
  readonly queryTimeoutMs: number;
  readonly ssl: boolean;
  readonly applicationName: string;
}

const OPTIONS = ['schema', 'pool_size', 'connect_timeout_ms', 'query_timeout_ms', 'sslmode', 'application_name'] as const;
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-full'] as const;

export function parsePostgresConfig(url: ConnectionUrl): PostgresConfig {
  for (const name of Object.keys(url.params)) {
    if (!(OPTIONS as readonly string[]).includes(name)) {
      throw new ConnectionConfigError(`Unknown option \`${name}\` in ${url.redacted}; valid options are ${OPTIONS.join(', ')}`);
    }
  }
  if (!url.host) throw new ConnectionConfigError(`Expected a host in ${url.redacted}, e.g. postgres://user@127.0.0.1:5432/newcrm`);
  if (!url.path) throw new ConnectionConfigError(`Expected a database name in ${url.redacted}, e.g. postgres://user@127.0.0.1:5432/newcrm`);
  const sslmode = url.params.sslmode ?? 'disable';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new ConnectionConfigError(`Expected \`sslmode\` to be one of ${SSL_MODES.join(', ')}, got \`${sslmode}\` in ${url.redacted}`);
  }
  const schema = url.params.schema ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new ConnectionConfigError(`Expected \`schema\` to be a plain identifier, got \`${schema}\` in ${url.redacted}`);
  }
  return Object.freeze({
    url,
    endpoint: describeEndpoint(url, 5432),
    schema,
    poolSize: integerOption(url, 'pool_size', 4, 1, 64),
    connectTimeoutMs: integerOption(url, 'connect_timeout_ms', 10_000, 100, 600_000),
    queryTimeoutMs: integerOption(url, 'query_timeout_ms', DEFAULT_QUERY_TIMEOUT_MS, 0, 86_400_000),
    ssl: sslmode === 'require' || sslmode === 'verify-full',
    applicationName: url.params.application_name ?? 'cutover',
  });
}
