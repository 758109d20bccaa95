/**
 * An endpoint that is not there, on loopback: a closed port (bound, then closed) and a listener
 * that accepts TCP and never answers. For a MariaDB source, a PostgreSQL source, a PostgreSQL
 * target, the state database of an HTTP API target and an HTTP API target, the CLI gives up
 * within its retry budget (attempts × connect_timeout_ms + back-off), with one line on stderr that
 * names the endpoint (never the password), the attempts and the time, and says how to resume.
 * The attempts are the budget's, counted by the listener (connections accepted) or in the log
 * (retries), so that no layer retries inside another; the elapsed-time bounds catch a hang or
 * retries that queue behind each other. They are not a speed test.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maxBackoffMs, minBackoffMs, retryBudgetMs, type RetryPolicy } from '../../connectors/retry.js';
import { packagePath } from '../../pipelines/package-root.js';
import { writeLegacyExport } from '../../scripts/legacy-crm/write-export.js';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, type TestDatabase } from '../support/databases.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';

const CONNECT_TIMEOUT_MS = 500;
const ATTEMPTS = 3;
const POLICY: RetryPolicy = { retries: ATTEMPTS - 1, baseDelayMs: 200, maxDelayMs: 400, jitter: 'equal' };
/** The API target's own budget (`target.api.limits`): full jitter, so no shortest wait. */
const API_POLICY: RetryPolicy = { retries: ATTEMPTS - 1, baseDelayMs: 200, maxDelayMs: 400 };
/** Around the retries, as the CLI reports them: timers firing late on a loaded machine. */
const MARGIN_MS = 3_000;
/** Around the whole process: starting node, loading the project, connecting the live side, on a loaded 2-core machine. */
const PROCESS_MARGIN_MS = 60_000;
/** Rows per batch of the API projects. */
const BATCH_SIZE = 100;

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts every connection and never sends a byte. */
class SilentListener {
  readonly #sockets = new Set<net.Socket>();
  readonly #server = net.createServer((socket) => {
    this.accepted++;
    this.#sockets.add(socket);
    socket.once('data', () => this.spoken++);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  });
  accepted = 0;
  /** Connections on which the client sent something: an HTTP request (fetch opens a spare connection after an abort, and sends nothing on it). */
  spoken = 0;
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** One kind of dead endpoint: where it sits in a project, and how the CLI names it. */
interface DeadCase {
  readonly name: string;
  /** The project to run with the dead endpoint on `port`: its folder (or file) and environment. */
  project(port: number): Promise<{ path: string; logDir: string; env: Record<string, string> }>;
  /** The start of the one line on stderr, up to the failure's reason. */
  where(port: number): string;
  readonly refused: string;
  readonly silent: string;
  readonly policy: RetryPolicy;
  /** Time one attempt may take against a silent listener. */
  readonly attemptTimeoutMs: number;
  /** How the log file tells a retry of this endpoint (the runner logs its retries; an API target's queue retries on its own). */
  readonly retriesLogged: boolean;
  /** What makes one attempt on a silent listener: a connection (a database's client waits for the server to speak), or a request. */
  readonly attemptIs: 'connection' | 'request';
}

describeWith(['postgres'])('an endpoint that is not there', () => {
  let live: TestDatabase;
  let api: FakeCrmApi;
  let exportDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    [live, api, exportDir] = await Promise.all([
      createPostgresDatabase('cutover_dead'),
      FakeCrmApi.start({ ids: 'uuid' }),
      mkdtemp(path.join(tmpdir(), 'cutover-dead-export-')),
    ]);
    // A few hundred rows: enough for one batch of each entity to reach the target.
    await writeLegacyExport(exportDir, { seed: 7, customers: 200, opportunities: 100, tickets: 100 });
  });
  afterAll(async () => {
    await Promise.all([live?.drop(), api?.close(), rm(exportDir, { recursive: true, force: true }), ...cleanups.map((cleanup) => cleanup())]);
  });

  /** A copy of the example project per case (its own log file), so that the cases can run side by side. */
  async function exampleWithBudget(): Promise<string> {
    const project = await copyExampleProject();
    cleanups.push(project.remove);
    await appendFile(path.join(project.dir, 'cutover.yaml'), `  retry: { attempts: ${ATTEMPTS}, base_delay_ms: ${POLICY.baseDelayMs}, max_delay_ms: ${POLICY.maxDelayMs} }\n`);
    return project.dir;
  }

  /**
   * An HTTP API target, with its state in PostgreSQL, reading the generated export. One call per
   * batch (`records_per_call` ≥ `batch_size`), so that a batch's attempts are one call's.
   */
  async function apiProject(apiUrl: string, stateUrl?: string, callsPerBatch = 1): Promise<{ path: string; logDir: string; env: Record<string, string> }> {
    if (stateUrl === undefined) {
      // A state database per case: the cases run side by side, and each run takes the state's lock.
      const state = await createPostgresDatabase('cutover_dead_state');
      cleanups.push(() => state.drop());
      stateUrl = state.url;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'cutover-dead-api-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'cutover.yaml');
    await writeFile(
      file,
      [
        'name: API target',
        'connections:',
        `  legacy: file://${exportDir}`,
        '  newcrm: ${API_URL}',
        'target:',
        '  connection: newcrm',
        '  state: ${STATE_URL}',
        '  api:',
        `    upsert: { path: '/crm/v8/{module}/upsert', records_per_call: ${BATCH_SIZE / callsPerBatch}, body: { duplicate_check_fields: ['{key}'] } }`,
        "    delete: { path: '/crm/v8/{module}/{id}' }",
        // One request at a time: the calls of a batch queue behind each other, retries included.
        `    limits: { retries: ${API_POLICY.retries}, base_delay_ms: ${API_POLICY.baseDelayMs}, max_delay_ms: ${API_POLICY.maxDelayMs}, timeout_ms: ${CONNECT_TIMEOUT_MS}, concurrency: 1, requests_per_interval: 1000 }`,
        'entities:',
        ...['customers.yaml', 'opportunities.yaml', 'tickets.yaml'].map((entity) => `  - ${packagePath('mappings', 'example', entity)}`),
        'options:',
        `  batch_size: ${BATCH_SIZE}`,
        `  retry: { attempts: ${ATTEMPTS}, base_delay_ms: ${POLICY.baseDelayMs}, max_delay_ms: ${POLICY.maxDelayMs} }`,
        '',
      ].join('\n'),
    );
    return { path: file, logDir: dir, env: { API_URL: apiUrl, STATE_URL: stateUrl } };
  }

  const deadUrl = (scheme: 'mysql' | 'postgres', port: number) => `${scheme}://root:s3cret-pw@127.0.0.1:${port}/crm?connect_timeout_ms=${CONNECT_TIMEOUT_MS}`;
  const database = { refused: 'connection refused', silent: 'no answer within connect_timeout_ms', policy: POLICY, attemptTimeoutMs: CONNECT_TIMEOUT_MS, retriesLogged: true, attemptIs: 'connection' } as const;
  const httpApi = {
    where: (port: number) => `^cutover: run \\d+ stopped: http://127\\.0\\.0\\.1:${port}: POST /crm/v8/customers/upsert `,
    refused: 'failed: ECONNREFUSED',
    silent: `timed out after ${CONNECT_TIMEOUT_MS} ms`,
    policy: API_POLICY,
    attemptTimeoutMs: CONNECT_TIMEOUT_MS,
    retriesLogged: false,
    attemptIs: 'request',
  } as const;

  /** A database of the example project, dead on `port`: `env` says which. */
  const inExample = (name: string, label: 'MySQL' | 'PostgreSQL', env: (port: number) => Record<string, string>): DeadCase => ({
    name,
    ...database,
    project: async (port) => {
      const dir = await exampleWithBudget();
      return { path: dir, logDir: dir, env: env(port) };
    },
    where: (port) => `^cutover: ${label} 127\\.0\\.0\\.1:${port}/crm: `,
  });

  const cases: DeadCase[] = [
    inExample('a MariaDB source', 'MySQL', (port) => ({ LEGACY_URL: deadUrl('mysql', port), NEWCRM_URL: live.url })),
    inExample('a PostgreSQL source', 'PostgreSQL', (port) => ({ LEGACY_URL: deadUrl('postgres', port), NEWCRM_URL: live.url })),
    inExample('a PostgreSQL target', 'PostgreSQL', (port) => ({ NEWCRM_URL: deadUrl('postgres', port) })),
    {
      name: 'the state database of an HTTP API target',
      ...database,
      project: (port) => apiProject(api.url, deadUrl('postgres', port)),
      where: (port) => `^cutover: PostgreSQL 127\\.0\\.0\\.1:${port}/crm: `,
    },
    { name: 'an HTTP API target', ...httpApi, project: (port) => apiProject(`http://127.0.0.1:${port}`) },
  ];

  async function run(project: { path: string; logDir: string; env: Record<string, string> }) {
    const started = performance.now();
    const result = await runCli(['run', '-p', project.path, '--no-progress'], { env: project.env });
    const elapsedMs = performance.now() - started;
    // The log file has each retry the runner makes; the terminal only the outcome.
    const log = (await readFile(path.join(project.logDir, '.cutover', 'cutover.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const retries = log.filter((line) => /retrying in/.test((JSON.parse(line) as { msg?: string }).msg ?? '')).length;
    // What the message says the attempts took, from the first to giving up.
    const reportedMs = Number(/gave up after \d+ attempts over (\d+\.\d) s/.exec(result.stderr)?.[1] ?? NaN) * 1000;
    return { ...result, elapsedMs, reportedMs, retries };
  }

  /** One line says why the run stopped; before it, a run that started says so (`12:00:00 info  run 1 started`). */
  function expectOneLine(stderr: string, where: RegExp, attempts: number | string = ATTEMPTS): void {
    const lines = stderr.trim().split('\n').filter((line) => !/^\d\d:\d\d:\d\d info  /.test(line));
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(where);
    expect(lines[0]).toMatch(new RegExp(`: gave up after ${attempts} attempts over \\d+\\.\\d s; committed batches are kept; run \`cutover run -p \\S+ --no-progress\` again to resume from the last one$`));
    expect(stderr).not.toContain('s3cret-pw');
  }

  for (const dead of cases) {
    it.concurrent(`gives up on a closed port of ${dead.name} after its attempts`, async () => {
      const port = await closedPort();
      const end = await run(await dead.project(port));
      expect(end.code, end.stderr).toBe(2);
      expectOneLine(end.stderr, new RegExp(`${dead.where(port)}${dead.refused}`));
      // Every retry the runner made is in the log; an API target's queue retries on its own, and none of the runner's.
      expect(end.retries).toBe(dead.retriesLogged ? ATTEMPTS - 1 : 0);
      // At least the shortest waits between the attempts; at most every attempt's time-out plus the longest waits.
      expect(end.reportedMs).toBeGreaterThanOrEqual(minBackoffMs(dead.policy) - 100);
      expect(end.reportedMs).toBeLessThanOrEqual(retryBudgetMs(dead.policy, dead.attemptTimeoutMs) + MARGIN_MS);
      expect(end.elapsedMs).toBeLessThanOrEqual(retryBudgetMs(dead.policy, dead.attemptTimeoutMs) + PROCESS_MARGIN_MS);
    });

    it.concurrent(`gives up on ${dead.name} that accepts and never answers, within attempts × its time-out + back-off`, async () => {
      // A listener per case: the cases run side by side and count their own connections.
      const listener = new SilentListener();
      await listener.start();
      const end = await run(await dead.project(listener.port)).finally(() => listener.stop());
      expect(end.code, end.stderr).toBe(2);
      expectOneLine(end.stderr, new RegExp(`${dead.where(listener.port)}${dead.silent}`));
      // One connection (or request) per attempt: no layer retried inside another.
      expect(dead.attemptIs === 'connection' ? listener.accepted : listener.spoken).toBe(ATTEMPTS);
      expect(end.retries).toBe(dead.retriesLogged ? ATTEMPTS - 1 : 0);
      expect(end.reportedMs).toBeGreaterThanOrEqual(ATTEMPTS * dead.attemptTimeoutMs + minBackoffMs(dead.policy) - 100);
      expect(end.reportedMs).toBeLessThanOrEqual(ATTEMPTS * dead.attemptTimeoutMs + maxBackoffMs(dead.policy) + MARGIN_MS);
      expect(end.elapsedMs).toBeLessThanOrEqual(ATTEMPTS * dead.attemptTimeoutMs + maxBackoffMs(dead.policy) + PROCESS_MARGIN_MS);
    });
  }

  it.concurrent('gives up on an HTTP API target that never answers the twenty calls of a batch within one budget, not one per call', async () => {
    const listener = new SilentListener();
    await listener.start();
    const end = await run(await apiProject(`http://127.0.0.1:${listener.port}`, undefined, 20)).finally(() => listener.stop());
    expect(end.code, end.stderr).toBe(2);
    // The attempts of the endpoint, all calls together.
    expectOneLine(end.stderr, new RegExp(`${httpApi.where(listener.port)}${httpApi.silent}`), '\\d+');
    // The calls queue one at a time: a budget each would let every retry wait behind the other
    // calls' attempts: many times the time. One budget, and the attempt in flight when it ran out.
    const bound = retryBudgetMs(API_POLICY, CONNECT_TIMEOUT_MS) + CONNECT_TIMEOUT_MS;
    expect(end.reportedMs).toBeLessThanOrEqual(bound + MARGIN_MS);
    expect(end.elapsedMs).toBeLessThanOrEqual(bound + PROCESS_MARGIN_MS);
    expect(listener.spoken).toBeLessThanOrEqual(Math.ceil(bound / CONNECT_TIMEOUT_MS) + 1);
  });
});
