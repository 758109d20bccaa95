/**
 * The legacy database going away mid-run, seen through a TCP proxy the test controls: a dropped
 * connection is retried and the run completes; a server that stays away exhausts the retries and
 * the run stops with exit 2, one line naming the endpoint and the attempts, and everything
 * committed kept, so the next run resumes.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

/** A TCP proxy to MariaDB that can cut every connection, and stop or start listening. */
class Proxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | null = null;
  port = 0;
  /** Client connections accepted so far. */
  accepted = 0;

  constructor(readonly upstream: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      this.accepted++;
      const server = net.connect(this.upstream.port, this.upstream.host);
      for (const socket of [client, server]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(server).pipe(client);
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    this.cut();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describeWith(['mysql', 'postgres'])('lost source connections', () => {
  let setup: MigrationSetup;
  let proxy: Proxy;
  const env = () => {
    const url = new URL(setup.legacy.url);
    proxy.upstream.host = url.hostname;
    url.port = String(proxy.port);
    return { ...setup.env(), LEGACY_URL: url.toString() };
  };
  const query = (text: string, values: unknown[] = []) => setup.target(text, values);
  const lastRunId = async () => Number((await query('SELECT coalesce(max(run_id), 0)::int AS id FROM cutover.runs').catch(() => [{ id: 0 }]))[0]!.id);
  async function reached(afterRun: number, entity: string, rows: number): Promise<void> {
    for (;;) {
      const found = await query('SELECT read::int AS read FROM cutover.run_ledger WHERE entity = $1 AND run_id > $2', [entity, afterRun]).catch(() => []);
      if (found.length > 0 && Number(found[0]!.read) >= rows) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_lost', { customers: 20_000, opportunities: 20_000, tickets: 1_000 });
    const url = new URL(setup.legacy.url);
    proxy = new Proxy({ host: url.hostname, port: Number(url.port || 3306) });
    await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await setup?.remove();
  });

  it('retries a dropped source connection and completes', async () => {
    const before = await lastRunId();
    const run = startCli(['run', '-p', setup.projectDir, '--no-progress'], { env: env() });
    await reached(before, 'customers', 4_000);
    const accepted = proxy.accepted;
    proxy.cut();
    const end = await run.exited;
    expect(end.code, end.stderr).toBe(0);
    // The source reconnected through the proxy after the cut.
    expect(proxy.accepted).toBeGreaterThan(accepted);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });

  it('stops with exit 2 when the source stays away, and the next run resumes', async () => {
    const before = await lastRunId();
    const run = startCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    await reached(before, 'opportunities', 2_000);
    await proxy.stop();
    const end = await run.exited;
    expect(end.code).toBe(2);
    // One line: where, how many attempts over how long, and how to resume.
    const message = end.stderr.trim().split('\n').at(-1);
    expect(message).toMatch(
      new RegExp(
        `^cutover: run \\d+ stopped: MySQL 127\\.0\\.0\\.1:${proxy.port}/\\w+ table opportunities: connection refused: .*: gave up after 6 attempts over \\d+\\.\\d s; ` +
          'committed batches are kept; run `cutover run -p \\S+ --full --no-progress` again to resume from the last one$',
      ),
    );
    expect(end.stderr).not.toMatch(/at .*\.js:\d+/);

    await proxy.start();
    const resumed = await runCli(['run', '-p', setup.projectDir], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});
