/**
 * Connections killed by the servers mid-run, where the other tests do not reach: the source's by
 * MariaDB `KILL` (lost-source cuts them in a proxy), every target connection including the one
 * holding the run lock (run-guards spares it), and the state database's of an HTTP API target.
 * Each run completes, or stops cleanly with exit 2 and the next run completes; the target then
 * equals an uninterrupted run's, value for value.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedLegacyMysql } from '../../scripts/seed-legacy-mysql.js';
import { canonical } from '../support/canonical-values.js';
import { copyExampleProject, runCli, startCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres as query, withMysqlAdmin, type TestDatabase } from '../support/databases.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';
import { closeProbes, killAt, ledgerReaches, type KillPoint, type StartedCli } from '../support/kill-points.js';
import { migrationSnapshot } from '../support/target-snapshot.js';

const ROWS = { customers: 1_500, opportunities: 1_000, tickets: 1_000 };
const ENTITIES = ['customers', 'opportunities', 'tickets'] as const;
/** Exit 0, or exit 2 with a message and no stack trace; in either case the next run completes. */
const CLEAN_STOP = /^cutover: run \d+ (stopped|failed|was interrupted)[^\n]*\n {2}committed batches are kept; run `cutover run [^`]+` again to resume from the last one\n$/m;

describeWith(['mysql', 'postgres'])('connections killed by the servers mid-run', () => {
  let legacy: TestDatabase;
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  const databases: TestDatabase[] = [];
  const apis: FakeCrmApi[] = [];
  let expected: Record<string, unknown[]>;

  async function database(prefix: string): Promise<TestDatabase> {
    const created = await createPostgresDatabase(prefix);
    databases.push(created);
    return created;
  }

  beforeAll(async () => {
    [legacy, project] = await Promise.all([createMysqlDatabase('cutover_connkill_legacy'), copyExampleProject()]);
    await seedLegacyMysql(legacy.url, ROWS);
    const config = path.join(project.dir, 'cutover.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('batch_size: 2000', 'batch_size: 200'));
    const reference = await database('cutover_connkill_reference');
    const run = await runCli(['run', '-p', project.dir, '--quiet'], { env: { LEGACY_URL: legacy.url, NEWCRM_URL: reference.url } });
    expect(run.code, run.stderr).toBe(0);
    expected = await migrationSnapshot(reference.url);
  }, 300_000);
  afterAll(async () => {
    await closeProbes();
    await Promise.all(apis.map((api) => api.close()));
    await Promise.all([legacy?.drop(), project?.remove(), ...databases.map((d) => d.drop())]);
  });

  /**
   * Runs `args` until `point`, then `sever()`s connections; the run completes, or stops cleanly and
   * the next one completes. Returns what the runs wrote on stderr.
   */
  async function severMidRun(args: string[], env: Record<string, string>, point: KillPoint, sever: () => Promise<number>): Promise<string> {
    const run: StartedCli = startCli(args, { env });
    let severed = 0;
    let ended = false;
    void run.exited.then(() => (ended = true));
    while (!ended && !(await point().catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ended, 'the run ended before the connections were killed').toBe(false);
    severed = await sever();
    expect(severed).toBeGreaterThan(0);
    const end = await run.exited;
    expect(end.stderr).not.toMatch(/\n\s+at \S+:\d+/);
    if (end.code === 0) return end.stderr;
    expect({ code: end.code, stderr: end.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(CLEAN_STOP) });
    const resumed = await runCli(args, { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    return end.stderr + resumed.stderr;
  }

  it('survives MariaDB killing the source connection mid-read (KILL <id>)', { timeout: 300_000 }, async () => {
    const target = await database('cutover_connkill_source');
    // Every connection of the source, idle or reading, again and again until one was caught
    // reading a page (an idle one killed is only replaced by the pool), for at most a second.
    const killActive = () =>
      withMysqlAdmin(async (db) => {
        let killed = 0;
        for (let attempt = 0; attempt < 200; attempt++) {
          const [rows] = await db.query('SELECT id, command FROM information_schema.processlist WHERE db = ? AND id <> connection_id()', [legacy.name]);
          for (const { id } of rows as { id: number }[]) await db.query(`KILL ${Number(id)}`).catch(() => undefined);
          killed += (rows as unknown[]).length;
          if ((rows as { command: string }[]).some((row) => row.command === 'Query')) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return killed;
      });
    const stderr = await severMidRun(['run', '-p', project.dir, '--no-progress'], { LEGACY_URL: legacy.url, NEWCRM_URL: target.url }, ledgerReaches(target.url, 'customers', 400), killActive);
    // (The source retries a lost page itself; the run's log need not say so.)
    expect(stderr).not.toMatch(/\n\s+at \S+:\d+/);
    const actual = await migrationSnapshot(target.url);
    for (const part of Object.keys(expected)) expect({ part, rows: actual[part] }).toEqual({ part, rows: expected[part] });
  });

  it('survives every target connection terminated, the run lock\'s included', { timeout: 300_000 }, async () => {
    const target = await database('cutover_connkill_target');
    await severMidRun(['run', '-p', project.dir, '--no-progress'], { LEGACY_URL: legacy.url, NEWCRM_URL: target.url }, ledgerReaches(target.url, 'customers', 600), async () => {
      const killed = await query(target.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'cutover%' AND pid <> pg_backend_pid()");
      return killed.length;
    });
    const actual = await migrationSnapshot(target.url);
    for (const part of Object.keys(expected)) expect({ part, rows: actual[part] }).toEqual({ part, rows: expected[part] });
  });

  // A second run while the first lost its lock connection: run-lock.test.ts.

  it('survives the state database of an HTTP API target terminating its connections', { timeout: 300_000 }, async () => {
    const projectFile = async (name: string) => {
      const file = path.join(project.dir, `${name}.yaml`);
      await writeFile(
        file,
        [
          'name: API target',
          'connections:',
          '  legacy: ${LEGACY_URL}',
          '  newcrm: ${API_URL}',
          'target:',
          '  connection: newcrm',
          '  state: ${STATE_URL}',
          '  api:',
          "    upsert: { path: '/crm/v8/{module}/upsert', records_per_call: 100, body: { duplicate_check_fields: ['{key}'] } }",
          "    delete: { path: '/crm/v8/{module}/{id}' }",
          "    count: { path: '/crm/v8/{module}/actions/count' }",
          '    limits: { retries: 8, concurrency: 4, requests_per_interval: 1000 }',
          'entities:',
          // The project's copies of the example mappings: their review file stays in the project.
          ...ENTITIES.map((entity) => `  - ./${entity}.yaml`),
          'options: { batch_size: 200 }',
          '',
        ].join('\n'),
      );
      return file;
    };
    const apiRun = async (name: string) => {
      const api = await FakeCrmApi.start({ ids: 'uuid' });
      apis.push(api);
      const state = await database(`cutover_connkill_${name}`);
      // Beside the database project's cutover.yaml, so named by its file.
      return { api, state, args: ['run', '-p', await projectFile(name), '--no-progress'], env: { LEGACY_URL: legacy.url, API_URL: api.url, STATE_URL: state.url } };
    };
    const reference = await apiRun('apiref');
    const uninterrupted = await runCli(reference.args, { env: reference.env });
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    const killed = await apiRun('apikill');
    await severMidRun(killed.args, killed.env, async () => killed.api.stats.recordsInserted >= 1_000, async () => {
      const terminated = await query(killed.state.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'cutover%' AND pid <> pg_backend_pid()");
      return terminated.length;
    });
    for (const entity of ENTITIES) {
      expect({ entity, records: records(killed.api, entity) }).toEqual({ entity, records: records(reference.api, entity) });
    }
    expect(await apiState(killed.state.url)).toEqual(await apiState(reference.state.url));
  });
});

/** The records an API holds for `entity`, sorted, lookups and ids as legacy keys, values canonical. */
function records(api: FakeCrmApi, entity: string): Record<string, string>[] {
  const customers = new Map(api.records('customers').map((record) => [String(record.id), String(record.legacy_id)]));
  return api
    .records(entity)
    .map((record) => {
      const out: Record<string, string> = {};
      for (const [field, value] of Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (field === 'id') continue;
        out[field] = field === 'customer_id' && value !== null ? `customer ${customers.get(String(value)) ?? `unknown ${String(value)}`}` : canonical(value);
      }
      return out;
    })
    .sort((a, b) => (a.legacy_id! < b.legacy_id! ? -1 : a.legacy_id! > b.legacy_id! ? 1 : 0));
}

/** The state of an API target, without its generated ids. */
async function apiState(url: string): Promise<unknown> {
  return {
    idMap: await query(url, 'SELECT entity, legacy_key, status, owns_row, detail FROM cutover.id_map ORDER BY entity, legacy_key'),
    merges: await query(url, 'SELECT entity, legacy_key, anchor_key, rule, score FROM cutover.merges ORDER BY entity, legacy_key'),
    rejects: await query(url, 'SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key, stage'),
  };
}
