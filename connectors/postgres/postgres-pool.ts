/**
 * The pg pool for a PostgreSQL connection. Timestamps, dates and numerics come back as the server's
 * text, in UTC, so that nothing is rounded or shifted on the way through JavaScript.
 */
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresConfig } from './postgres-config.js';
import { classifyDriverError } from '../errors.js';

/** The subset of a pg client this connector uses. */
export interface PgClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  release(destroy?: boolean | Error): void;
  /** `COPY … FROM STDIN` with `data` as the input (pg clients; see copyIn). */
  copyIn?(text: string, data: string): Promise<void>;
  /** The connection behind this checkout, the same object each time it is checked out: a key for per-session caches. */
  readonly session?: object;
  /** The server's backend pid of the session (pg's `processID`), to cancel its statement from another (`pg_cancel_backend`). */
  readonly processID?: number | null;
  /** pg clients are event emitters: a checked-out client whose server goes away emits 'error'. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The subset of pg's Pool this connector uses (injected, as in kysely's PostgresPool). */
export interface PgPool {
  connect(): Promise<PgClient>;
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  end(): Promise<void>;
}

const TEXT_TYPES = new Set([1082 /* date */, 1114 /* timestamp */, 1184 /* timestamptz */, 1083 /* time */, 1266 /* timetz */, 1700 /* numeric */, 20 /* int8 */]);

export async function createPgPool(config: PostgresConfig): Promise<PgPool> {
  const pg = (await import('pg')).default;
  const { url } = config;
  const pool = new pg.Pool({
    host: url.host,
    port: url.port ?? 5432,
    user: url.username || undefined,
    password: url.password || undefined,
    database: url.path,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    // Client-side: a server that accepted the connection and went silent fails the statement
    // ("Query read timeout") instead of holding the run; the client is then discarded (below).
    query_timeout: config.queryTimeoutMs > 0 ? config.queryTimeoutMs : undefined,
    application_name: config.applicationName,
    ssl: config.ssl ? { rejectUnauthorized: config.url.params.sslmode === 'verify-full' } : false,
    options: `-c TimeZone=UTC -c search_path=${config.schema},public`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener Node exits.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool as unknown as PgPool;
}

/**
 * A pool whose clients turn driver errors into connector errors naming the endpoint, so that every
 * caller above (kysely included) sees `PostgreSQL host:5432/db: …` and never a raw driver message.
 */
export function classifyingPool(pool: PgPool, where: string): PgPool {
  const classify = (error: unknown): never => {
    throw classifyDriverError(error, where);
  };
  let ended: Promise<void> | null = null;
  return {
    connect: async () => {
      const client = await pool.connect().catch(classify);
      // Checked out, a client's connection loss is emitted to nobody, and Node exits on an unheard
      // 'error'. Heard here and kept: the next statement fails only with pg's "not queryable",
      // and the message should say why the connection went (57P01: terminated by an administrator).
      let lost: unknown;
      const remember = (error: Error) => {
        lost ??= error;
      };
      client.on?.('error', remember);
      // After a read time-out the statement may still run on this connection, and pg would give
      // it to the next checkout: such a client is destroyed on release, whatever kysely asks.
      let timedOut = false;
      const classified = classifyingClient(client, (error) => {
        if (/Query read timeout/i.test(String((error as Error)?.message))) timedOut = true;
        return classify(lost !== undefined && /not queryable/i.test(String((error as Error)?.message)) ? lost : error);
      });
      return {
        ...classified,
        release: (destroy) => {
          client.off?.('error', remember);
          classified.release(timedOut ? true : destroy);
        },
      };
    },
    query: (text, values) => pool.query(text, values).catch(classify),
    // Idempotent: kysely ends the pool it used, the owner ends it in case kysely never did.
    end: () => (ended ??= pool.end()),
  };
}

export function classifyingClient(client: PgClient, classify: (error: unknown) => never): PgClient {
  return {
    query: (text, values) => client.query(text, values).catch(classify),
    copyIn: (text, data) => copyIn(client, text, data).catch(classify),
    session: client.session ?? client,
    processID: client.processID,
    release: (destroy) => client.release(destroy),
  };
}

/** COPY FROM STDIN through pg-copy-streams; resolves once the server has confirmed the copy. */
function copyIn(client: PgClient, text: string, data: string): Promise<void> {
  if (client.copyIn) return client.copyIn(text, data);
  const stream = (client as unknown as { query(submittable: ReturnType<typeof copyFrom>): ReturnType<typeof copyFrom> }).query(copyFrom(text));
  return new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}
