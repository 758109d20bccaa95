/**
 * A database that is not there, on loopback: a closed port (bound, then closed) and a listener that
 * accepts TCP and never answers. For a MariaDB source and a PostgreSQL target, the CLI gives up
 * within its retry budget (attempts × connect_timeout_ms + back-off), with one line on stderr that
 * names host:port/db (never the password), the attempts and the time, and says how to resume.
 * The elapsed-time bounds catch a hang or nested retries; they are not a speed test.
 */
import { appendFile, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maxBackoffMs, minBackoffMs, retryBudgetMs, type RetryPolicy } from '../../connectors/retry.js';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, type TestDatabase } from '../support/databases.js';

const CONNECT_TIMEOUT_MS = 500;
const ATTEMPTS = 3;
const POLICY: RetryPolicy = { retries: ATTEMPTS - 1, baseDelayMs: 200, maxDelayMs: 400, jitter: 'equal' };
/** Around the retries, as the CLI reports them: timers firing late on a loaded machine. */
const MARGIN_MS = 3_000;
/** Around the whole process: starting node, loading the project, connecting the live side, on a loaded 2-core machine. */
const PROCESS_MARGIN_MS = 60_000;

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
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  });
  accepted = 0;
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

describeWith(['postgres'])('a database that is not there', () => {
  let target: TestDatabase;
  const projects: { dir: string; remove(): Promise<void> }[] = [];

  beforeAll(async () => {
    target = await createPostgresDatabase('cutover_dead');
  });
  afterAll(async () => {
    await Promise.all([target?.drop(), ...projects.map((project) => project.remove())]);
  });

  /** A project of its own per case (its own log file), so that the cases can run side by side. */
  async function projectWithBudget(): Promise<string> {
    const project = await copyExampleProject();
    projects.push(project);
    await appendFile(path.join(project.dir, 'cutover.yaml'), `  retry: { attempts: ${ATTEMPTS}, base_delay_ms: ${POLICY.baseDelayMs}, max_delay_ms: ${POLICY.maxDelayMs} }\n`);
    return project.dir;
  }

  const deadUrl = (scheme: 'mysql' | 'postgres', port: number) => `${scheme}://root:s3cret-pw@127.0.0.1:${port}/crm?connect_timeout_ms=${CONNECT_TIMEOUT_MS}`;

  async function run(env: Record<string, string>) {
    const dir = await projectWithBudget();
    const started = performance.now();
    const result = await runCli(['run', '-p', dir, '--no-progress'], { env });
    const elapsedMs = performance.now() - started;
    // The log file has each retry; the terminal only the outcome.
    const log = (await readFile(path.join(dir, '.cutover', 'cutover.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const retries = log.filter((line) => /retrying in/.test((JSON.parse(line) as { msg?: string }).msg ?? '')).length;
    // What the message says the attempts took, from the first to giving up.
    const reportedMs = Number(/gave up after \d+ attempts over (\d+\.\d) s/.exec(result.stderr)?.[1] ?? NaN) * 1000;
    return { ...result, elapsedMs, reportedMs, retries };
  }

  function expectOneLine(stderr: string, where: RegExp): void {
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(where);
    expect(lines[0]).toMatch(new RegExp(`: gave up after ${ATTEMPTS} attempts over \\d+\\.\\d s; committed batches are kept; run \`cutover run -p \\S+ --no-progress\` again to resume from the last one$`));
    expect(stderr).not.toContain('s3cret-pw');
  }

  const cases = [
    { name: 'a MariaDB source', scheme: 'mysql' as const, env: (url: string) => ({ LEGACY_URL: url, NEWCRM_URL: target.url }), where: (port: number) => `^cutover: MySQL 127\\.0\\.0\\.1:${port}/crm: ` },
    { name: 'a PostgreSQL target', scheme: 'postgres' as const, env: (url: string) => ({ NEWCRM_URL: url }), where: (port: number) => `^cutover: PostgreSQL 127\\.0\\.0\\.1:${port}/crm: ` },
  ];

  for (const { name, scheme, env, where } of cases) {
    it.concurrent(`gives up on a closed port of ${name} after its attempts`, async () => {
      const port = await closedPort();
      const end = await run(env(deadUrl(scheme, port)));
      expect(end.code, end.stderr).toBe(2);
      expectOneLine(end.stderr, new RegExp(`${where(port)}connection refused`));
      expect(end.retries).toBe(ATTEMPTS - 1);
      // At least the shortest waits between the attempts; at most every attempt's time-out plus the longest waits.
      expect(end.reportedMs).toBeGreaterThanOrEqual(minBackoffMs(POLICY) - 100);
      expect(end.reportedMs).toBeLessThanOrEqual(retryBudgetMs(POLICY, CONNECT_TIMEOUT_MS) + MARGIN_MS);
      expect(end.elapsedMs).toBeLessThanOrEqual(retryBudgetMs(POLICY, CONNECT_TIMEOUT_MS) + PROCESS_MARGIN_MS);
    });

    it.concurrent(`gives up on ${name} that accepts and never answers, within attempts × connect_timeout_ms + back-off`, async () => {
      // A listener per case: the cases run side by side and count their own connections.
      const listener = new SilentListener();
      await listener.start();
      const end = await run(env(deadUrl(scheme, listener.port))).finally(() => listener.stop());
      expect(end.code, end.stderr).toBe(2);
      expectOneLine(end.stderr, new RegExp(`${where(listener.port)}no answer within connect_timeout_ms`));
      // One connection per attempt: no layer retried inside another.
      expect(listener.accepted).toBe(ATTEMPTS);
      expect(end.retries).toBe(ATTEMPTS - 1);
      expect(end.reportedMs).toBeGreaterThanOrEqual(ATTEMPTS * CONNECT_TIMEOUT_MS + minBackoffMs(POLICY) - 100);
      expect(end.reportedMs).toBeLessThanOrEqual(ATTEMPTS * CONNECT_TIMEOUT_MS + maxBackoffMs(POLICY) + MARGIN_MS);
      expect(end.elapsedMs).toBeLessThanOrEqual(ATTEMPTS * CONNECT_TIMEOUT_MS + maxBackoffMs(POLICY) + PROCESS_MARGIN_MS);
    });
  }
});
