/**
 * A batch whose COMMIT reached the server but whose answer was lost (the connection died just
 * after) is retried; the retry must find it committed and count nothing twice. The fault is
 * injected by a sink that commits on the real PostgreSQL server and then throws, once.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TransientError } from '../../connectors/errors.js';
import { withRetry } from '../../connectors/retry.js';
import type { Sink } from '../../connectors/sink.js';
import type { SourceBatch } from '../../connectors/types.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { createLogger } from '../../pipelines/logger.js';
import type { EntityContext } from '../../pipelines/runner/commit/entity-context.js';
import { processBatch } from '../../pipelines/runner/commit/write-batch.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { compileMapping } from '../../transforms/mapping-engine.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

describeWith(['postgres'])('exactly-once batches', () => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createPostgresDatabase('cutover_once');
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-once-'));
    await mkdir(path.join(dir, 'export'));
    await mkdir(path.join(dir, 'migrations'));
    await writeFile(path.join(dir, 'export', 'customers.csv'), 'id,name\n');
    await writeFile(path.join(dir, 'migrations', '001.sql'), 'CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), legacy_id text UNIQUE NOT NULL, name text NOT NULL);');
    await writeFile(path.join(dir, 'cutover.yaml'), 'connections:\n  legacy: file://./export\n  newcrm: ${NEWCRM_URL}\ntarget:\n  connection: newcrm\n  migrations: ./migrations\nentities:\n  - customers.yaml\n');
    await writeFile(
      path.join(dir, 'customers.yaml'),
      'entity: customers\nsource: { connection: legacy, table: customers, key: id }\ntarget: { connection: newcrm, table: customers, key: legacy_id, id: id }\nfields:\n  legacy_id: { from: id }\n  name: { from: name, required: true }\n',
    );
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts a batch once when its commit succeeded but the answer was lost', async () => {
    const project = await loadProject(dir, { env: { NEWCRM_URL: database.url } });
    const session = await ProjectSession.open(project, createLogger({ file: null, terminal: null }), { prepare: true });
    try {
      const real = session.sink;
      let lose = true;
      const losingAnswers: Sink = {
        capabilities: real.capabilities,
        endpoint: real.endpoint,
        stateDatabase: real.stateDatabase,
        close: () => real.close(),
        async write(fn, options) {
          const result = await real.write(fn, options);
          if (lose) {
            lose = false;
            throw new TransientError('PostgreSQL test: connection lost after COMMIT');
          }
          return result;
        },
      };
      const mapping = project.entities[0]!;
      const runId = await session.state.beginRun('incremental', ['customers']);
      await session.state.beginEntity(runId, 'customers');
      const context: EntityContext = {
        runId,
        compiled: compileMapping(mapping),
        state: session.state,
        sink: losingAnswers,
        stateDatabase: session.stateDatabase,
        sourceCapabilities: { resumable: true, pushdownWhere: false, uniqueKeys: true, keyLookup: false },
        target: mapping.target,
        retry: (_what, operation) => withRetry(operation, { policy: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 } }),
        batches: { committed: 0 },
        dedupe: session.state.dedupe,
        children: [],
      };
      const batch = (ids: number[]): SourceBatch => ({
        rows: ids.map((id) => ({ key: String(id), data: { id: String(id), name: `Customer ${id}` }, origin: `customers.csv:${id + 1}` })),
        rejects: [],
        last: { cursor: null, key: String(ids[ids.length - 1]) },
      });

      expect(await processBatch(context, batch([1, 2, 3]), { clearPositionalRejects: false })).toBeNull();
      expect(lose).toBe(false);
      expect(await processBatch(context, batch([4, 5]), { clearPositionalRejects: false })).toMatchObject({ read: 2, inserted: 2 });

      const [ledger] = await queryPostgres(database.url, 'SELECT batches, read::int, inserted::int, unchanged::int FROM cutover.run_ledger WHERE run_id = $1', [runId]);
      expect(ledger).toEqual({ batches: 2, read: 5, inserted: 5, unchanged: 0 });
      const [rows] = await queryPostgres(database.url, 'SELECT count(*)::int AS n, count(DISTINCT legacy_id)::int AS keys FROM customers');
      expect(rows).toEqual({ n: 5, keys: 5 });
    } finally {
      await session.close();
    }
  });
});
