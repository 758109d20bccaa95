/**
 * The run lock over a target that cannot roll back (an HTTP API, its state beside it): a run that
 * has lost its lock must not send the target one write more. The session's guarded sink checks
 * the lock in a state transaction before each write; a run taking over in between is seen there.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../pipelines/config/load-project.js';
import { createLogger } from '../../pipelines/logger.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { RunLockLost, withRunLock } from '../../pipelines/session/run-lock.js';
import { createPostgresDatabase, describeWith, type TestDatabase } from '../support/databases.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';

const ACCOUNTS = { table: 'Accounts', key: 'legacy_id', id: 'id' };

describeWith(['postgres'])('run lock over an HTTP API target', () => {
  let state: TestDatabase;
  let api: FakeCrmApi;
  let dir: string;

  beforeAll(async () => {
    [state, api] = await Promise.all([createPostgresDatabase('cutover_lock_beside'), FakeCrmApi.start({ ids: 'uuid' })]);
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-lock-beside-'));
    await mkdir(path.join(dir, 'export'));
    await writeFile(path.join(dir, 'export', 'accounts.csv'), 'id,name\n');
    await writeFile(
      path.join(dir, 'cutover.yaml'),
      [
        'connections:',
        '  legacy: file://./export',
        '  crm: ${API_URL}',
        'target:',
        '  connection: crm',
        '  state: ${STATE_URL}',
        '  api:',
        "    upsert: { path: '/crm/v8/{module}/upsert', body: { duplicate_check_fields: ['{key}'] } }",
        'entities:',
        '  - accounts.yaml',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'accounts.yaml'),
      'entity: accounts\nsource: { connection: legacy, table: accounts, key: id }\ntarget: { connection: crm, module: Accounts, key: legacy_id }\nfields:\n  legacy_id: { from: id }\n  name: { from: name }\n',
    );
  });
  afterAll(async () => {
    await api?.close();
    await state?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a run whose lock was taken over sends nothing more to the API', async () => {
    const project = await loadProject(dir, { env: { API_URL: api.url, STATE_URL: state.url } });
    const log = createLogger({ file: null, terminal: null });
    const first = await ProjectSession.open(project, log, { prepare: true });
    const second = await ProjectSession.open(project, log, { prepare: false });
    try {
      expect(first.sink.capabilities.state).toBe('beside');
      await withRunLock(first, { mode: 'incremental', entities: ['accounts'], log }, async () => {
        await first.sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: '1', name: 'Ann' }]));
        expect(api.records('Accounts')).toHaveLength(1);
        // The second run as if it had taken the advisory lock (the first one's connection died unnoticed).
        const unlocked = { ...second.stateDatabase, capabilities: { ...second.stateDatabase.capabilities, sessionLocks: false } };
        await withRunLock({ stateDatabase: unlocked, state: second.state, guardWrites: (guard) => second.guardWrites(guard) }, { mode: 'incremental', entities: ['accounts'], log }, async () => {
          const requests = api.stats.requests;
          const lost = await first.sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: '2', name: 'Bob' }])).then(() => null, (error: unknown) => error);
          expect(lost).toBeInstanceOf(RunLockLost);
          expect(api.stats.requests).toBe(requests);
          expect(api.records('Accounts').map((record) => record.legacy_id)).toEqual(['1']);
        });
      });
    } finally {
      await second.close();
      await first.close();
    }
  });
});
