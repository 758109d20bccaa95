/**
 * Moments to SIGKILL a running CLI at: a condition polled until it holds (a state count, a file's
 * size, a query on the source), then `kill -9`. A run that ends before the moment comes is
 * reported as such, so that a test can insist that every kill landed.
 */
import { stat } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';

export interface StartedCli {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** A condition on the outside world; true once the moment to kill has come. */
export type KillPoint = () => Promise<boolean>;

/**
 * Polls `point` every `intervalMs` and SIGKILLs the CLI as soon as it holds; resolves to true when
 * the kill landed (the process died of SIGKILL), false when the process ended on its own first.
 */
export async function killAt(run: StartedCli, point: KillPoint, intervalMs = 5): Promise<boolean> {
  let ended = false;
  void run.exited.then(() => (ended = true));
  while (!ended) {
    if (await point().catch(() => false)) {
      if (ended) break;
      run.child.kill('SIGKILL');
      return (await run.exited).signal === 'SIGKILL';
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}

/** `ms` milliseconds after the start. */
export function afterMs(ms: number): KillPoint {
  const at = Date.now() + ms;
  return () => Promise.resolve(Date.now() >= at);
}

/**
 * One connection per database for all the polling of a test file (a connection per poll would
 * cost more than the statement, and slow the CLI under test down); {@link closeProbes} ends them.
 */
const probes = new Map<string, Promise<{ query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>; end(): Promise<void> }>>();

function probe(url: string) {
  let opened = probes.get(url);
  if (!opened) {
    opened = url.startsWith('mysql:')
      ? mysql.createConnection({ uri: url }).then((connection) => ({
          query: async (text: string, values: unknown[] = []) => (await connection.query(text, values))[0] as Record<string, unknown>[],
          end: () => connection.end(),
        }))
      : (async () => {
          const client = new pg.Client({ connectionString: url, application_name: 'cutover-test-probe' });
          // A probe that loses its connection fails its polls; the test's own assertions decide.
          client.on('error', () => undefined);
          await client.connect();
          return { query: async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows as Record<string, unknown>[], end: () => client.end() };
        })();
    probes.set(url, opened);
    opened.catch(() => probes.delete(url));
  }
  return opened;
}

/** Ends the polling connections (in `afterAll`). */
export async function closeProbes(): Promise<void> {
  const open = [...probes.values()];
  probes.clear();
  await Promise.allSettled(open.map(async (opened) => (await opened).end()));
}

/** A query on the target or state database returns a first column of at least `n`. */
export function countReaches(url: string, text: string, n: number): KillPoint {
  return async () => {
    const [row] = await (await probe(url)).query(text);
    return row !== undefined && Number(Object.values(row)[0]) >= n;
  };
}

/** The rows read so far by the newest run, for one entity, reach `rows`. */
export function ledgerReaches(url: string, entity: string, rows: number): KillPoint {
  return countReaches(url, `SELECT coalesce(max(read), 0) FROM cutover.run_ledger WHERE entity = '${entity}' AND run_id = (SELECT max(run_id) FROM cutover.runs)`, rows);
}

/** The file exists and holds at least `bytes` bytes. */
export function fileReaches(file: string, bytes = 1): KillPoint {
  return async () => ((await stat(file).catch(() => null))?.size ?? -1) >= bytes;
}

/** A statement on the MariaDB database at `url` (the source) names `table`: the source is being read there. */
export function sourceReads(url: string, table: string): KillPoint {
  const database = new URL(url).pathname.slice(1);
  return async () => {
    const rows = await (await probe(url)).query('SELECT count(*) AS n FROM information_schema.processlist WHERE db = ? AND info LIKE ? AND id <> connection_id()', [database, `%\`${table}\`%`]);
    return Number(rows[0]!.n) > 0;
  };
}
