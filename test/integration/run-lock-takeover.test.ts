/**
 * The holder row of the run lock, with a run that has not noticed it lost its lock: a run taking
 * over waits for the old holder's write transaction in flight, and the old holder's next write
 * finds another holder and fails, so the two never commit in turns.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../pipelines/config/load-project.js';
import { createLogger } from '../../pipelines/logger.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { RunLockLost, withRunLock } from '../../pipelines/session/run-lock.js';
import { emptyLedger } from '../../pipelines/state/ledger.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

describeWith(['postgres'])('run lock holder', () => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createPostgresDatabase('cutover_holder');
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-holder-'));
    await mkdir(path.join(dir, 'export'));
    await writeFile(path.join(dir, 'export', 'customers.csv'), 'id,name\n');
    await writeFile(path.join(dir, 'cutover.yaml'), 'connections:\n  legacy: file://./export\n  newcrm: ${NEWCRM_URL}\ntarget:\n  connection: newcrm\nentities:\n  - customers.yaml\n');
    await writeFile(
      path.join(dir, 'customers.yaml'),
      'entity: customers\nsource: { connection: legacy, table: customers, key: id }\ntarget: { connection: newcrm, table: customers, key: legacy_id, id: id }\nfields:\n  legacy_id: { from: id }\n  name: { from: name }\n',
    );
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a run taking over waits for the old holder’s transaction in flight; the old holder’s next write fails', async () => {
    const project = await loadProject(dir, { env: { NEWCRM_URL: database.url } });
    const log = createLogger({ file: null, terminal: null });
    const first = await ProjectSession.open(project, log, { prepare: true });
    const second = await ProjectSession.open(project, log, { prepare: false });
    const events: string[] = [];
    let finishInFlight = () => undefined as void;
    try {
      await withRunLock(first, { mode: 'incremental', entities: ['customers'], log }, async (firstRun) => {
        const gate = new Promise<void>((resolve) => (finishInFlight = resolve));
        await first.state.beginEntity(firstRun, 'customers');
        // A batch of the first run that has passed its check and not committed yet.
        const inFlight = first.stateDatabase.transaction(async (tx) => {
          await gate;
          await first.state.addToLedger(tx, firstRun, 'customers', { ...emptyLedger(), read: 1, inserted: 1 }, { batch: true });
          events.push('first committed');
        });
        // The second run as if it had taken the advisory lock (the first one's connection died unnoticed).
        const takeover = withRunLock(
          {
            stateDatabase: { ...second.stateDatabase, capabilities: { ...second.stateDatabase.capabilities, sessionLocks: false } },
            state: second.state,
            guardWrites: (guard) => second.guardWrites(guard),
          },
          { mode: 'incremental', entities: ['customers'], log },
          async (secondRun) => {
            events.push('second began');
            await second.state.beginEntity(secondRun, 'customers');
            // The first run's next write, while the second holds the lock.
            const lost = await first.stateDatabase.transaction(async () => undefined).then(() => null, (error: unknown) => error);
            return { secondRun, lost };
          },
        );
        // Bounded wait: the takeover must still be waiting for the first run's transaction.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(events).toEqual([]);
        finishInFlight();
        await inFlight;
        const { secondRun, lost } = await takeover;
        expect(events).toEqual(['first committed', 'second began']);
        expect(lost).toBeInstanceOf(RunLockLost);
        expect((lost as Error).message).toMatch(new RegExp(`^the run lock was lost \\(run ${secondRun} \\(process ${process.pid} on \\S+\\) took it over at .+\\); nothing more was written$`));
        // And every write after it.
        await expect(first.state.beginEntity(firstRun, 'customers')).rejects.toThrow(RunLockLost);
        const runs = await queryPostgres(database.url, 'SELECT run_id::int, status FROM cutover.runs ORDER BY run_id');
        expect(runs).toEqual([
          { run_id: firstRun, status: 'interrupted' },
          { run_id: secondRun, status: 'running' },
        ]);
        const [ledger] = await queryPostgres(database.url, 'SELECT batches, read::int FROM cutover.run_ledger WHERE run_id = $1', [firstRun]);
        expect(ledger).toEqual({ batches: 1, read: 1 });
      });
    } finally {
      finishInFlight();
      await second.close();
      await first.close();
    }
  });
});
