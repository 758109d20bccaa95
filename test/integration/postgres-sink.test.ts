import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { FatalError, TransientError } from '../../connectors/errors.js';
import { pgliteConnector } from '../../connectors/pglite/pglite-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { SqlSink, TargetTable } from '../../connectors/types.js';
import { createPostgresDatabase, withPostgresAdmin, describeWith, type TestDatabase } from '../support/databases.js';
import { describe } from 'vitest';

const TARGET: TargetTable = { table: 'people', key: 'legacy_id', id: 'id' };
const DDL = `CREATE TABLE people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), legacy_id text NOT NULL UNIQUE,
  name varchar(10) NOT NULL, tags jsonb, born date)`;

function sinkBehaviour(name: string, open: () => Promise<{ sink: SqlSink; done: () => Promise<void> }>) {
  describe(name, () => {
    let sink: SqlSink;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ sink, done } = await open());
      await sql.raw(DDL).execute(sink.db);
    });
    afterAll(async () => {
      await sink.close();
      await sink.close(); // idempotent
      await done();
    });

    it('upserts on the legacy key and says which rows were new', async () => {
      const first = await sink.transaction((tx) =>
        tx.upsert(TARGET, [
          { legacy_id: 'a', name: 'Ann', tags: ['x', 'y'], born: '1990-02-03' },
          { legacy_id: 'b', name: 'Bob', tags: null, born: null },
        ]),
      );
      expect(first.map((o) => o.inserted)).toEqual([true, true]);
      const second = await sink.transaction((tx) =>
        tx.upsert(TARGET, [
          { legacy_id: 'c', name: 'Cy', tags: { k: 1 }, born: null },
          { legacy_id: 'a', name: 'Anne', tags: [], born: '1990-02-03' },
        ]),
      );
      expect(second.map((o) => o.inserted)).toEqual([true, false]);
      expect(second[1]!.id).toBe(first[0]!.id);
      const { rows } = await sql<{ legacy_id: string; name: string; tags: unknown; born: string | null }>`SELECT legacy_id, name, tags, born FROM people ORDER BY legacy_id`.execute(sink.db);
      expect(rows).toEqual([
        { legacy_id: 'a', name: 'Anne', tags: [], born: '1990-02-03' },
        { legacy_id: 'b', name: 'Bob', tags: null, born: null },
        { legacy_id: 'c', name: 'Cy', tags: { k: 1 }, born: null },
      ]);
    });

    it('rolls back everything when the transaction throws', async () => {
      await expect(
        sink.transaction(async (tx) => {
          await tx.upsert(TARGET, [{ legacy_id: 'z', name: 'Zed', tags: null, born: null }]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM people WHERE legacy_id = 'z'`.execute(sink.db);
      expect(rows[0]!.n).toBe(0);
    });

    it('isolates a refused row under a savepoint and keeps the rest of the transaction', async () => {
      const outcome = await sink.transaction(async (tx) => {
        await tx.upsert(TARGET, [{ legacy_id: 'd', name: 'Dee', tags: null, born: null }]);
        const refused = await tx.savepoint(() => tx.upsert(TARGET, [{ legacy_id: 'e', name: 'far too long a name', tags: null, born: null }])).catch((error: unknown) => error);
        return refused;
      });
      expect(outcome).toBeInstanceOf(FatalError);
      expect((outcome as FatalError).code).toBe('22001');
      const { rows } = await sql<{ legacy_id: string }>`SELECT legacy_id FROM people WHERE legacy_id IN ('d', 'e')`.execute(sink.db);
      expect(rows.map((r) => r.legacy_id)).toEqual(['d']);
    });

    it('writes tabs, newlines, backslashes and quotes as they are', async () => {
      const awkward = { legacy_id: 'tab\there', name: 'a\tb\\c\nd\r"', tags: { note: 'line\none\\two\t"q"' }, born: null };
      const [outcome] = await sink.transaction((tx) => tx.upsert(TARGET, [awkward]));
      expect(outcome!.inserted).toBe(true);
      const { rows } = await sql<{ name: string; tags: unknown }>`SELECT name, tags FROM people WHERE legacy_id = ${awkward.legacy_id}`.execute(sink.db);
      expect(rows).toEqual([{ name: awkward.name, tags: awkward.tags }]);
    });

    it('keeps working after a transaction whose every row was refused', async () => {
      // Only legacy_id and name: a column set not written before (the PostgreSQL sink stages it in a table of its own).
      const refusals = await sink.transaction(async (tx) => {
        const tooLong = await tx.savepoint(() => tx.upsert(TARGET, [{ legacy_id: 'f', name: 'far too long a name' }])).catch((error: unknown) => error);
        const missing = await tx.savepoint(() => tx.upsert(TARGET, [{ legacy_id: 'g', name: null }])).catch((error: unknown) => error);
        return [tooLong, missing] as FatalError[];
      });
      expect(refusals.map((error) => error.code)).toEqual(['22001', '23502']);
      const [outcome] = await sink.transaction((tx) => tx.upsert(TARGET, [{ legacy_id: 'f', name: 'Eff' }]));
      expect(outcome!.inserted).toBe(true);
    });

    it('splits statements that would exceed the bind-parameter limit', async () => {
      const rows = Array.from({ length: 14_000 }, (_, i) => ({ legacy_id: `bulk-${i}`, name: `n${i % 1000}`, tags: null, born: null }));
      const outcomes = await sink.transaction((tx) => tx.upsert(TARGET, rows));
      expect(outcomes).toHaveLength(14_000);
      expect(new Set(outcomes.map((o) => o.id)).size).toBe(14_000);
    });
  });
}

sinkBehaviour('PGlite sink', async () => {
  const url = parseConnectionUrl('pglite://memory');
  const sink = await pgliteConnector.createSink!(pgliteConnector.parseConfig(url, { baseDir: '.' }));
  return { sink, done: async () => undefined };
});

describeWith(['postgres'])('PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase('sink');
  });
  afterAll(async () => {
    await database?.drop();
  });

  sinkBehaviour('PostgreSQL sink', async () => {
    const url = parseConnectionUrl(database.url);
    const sink = await postgresConnector.createSink!(postgresConnector.parseConfig(url, { baseDir: '.' }));
    return { sink, done: async () => undefined };
  });

  it('closes every connection, also when no query ran', async () => {
    const name = `cutover_close_${process.pid}`;
    const connections = () =>
      withPostgresAdmin(async (client) => Number((await client.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0].n));
    const url = parseConnectionUrl(`${database.url}?application_name=${name}`);
    const sink = await postgresConnector.createSink!(postgresConnector.parseConfig(url, { baseDir: '.' }));
    expect(await connections()).toBe(1); // the connectivity check's idle client
    await sink.close();
    await expect.poll(connections, { timeout: 2000 }).toBe(0);
  });

  it('names host, port and database on a bad password, never the password', async () => {
    const url = new URL(database.url);
    url.username = 'cutover_no_such_user';
    url.password = 'Sup3rSecret';
    const parsed = parseConnectionUrl(url.toString());
    const error = await postgresConnector.createSink!(postgresConnector.parseConfig(parsed, { baseDir: '.' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain(`PostgreSQL 127.0.0.1:5432/${database.name}`);
    expect((error as Error).message).not.toContain('Sup3rSecret');
  });

  it('reports an unreachable port as a transient connection failure', async () => {
    const parsed = parseConnectionUrl('postgres://root@127.0.0.1:1/nowhere?connect_timeout_ms=500');
    const error = await postgresConnector.createSink!(postgresConnector.parseConfig(parsed, { baseDir: '.' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^PostgreSQL 127\.0\.0\.1:1\/nowhere: connection refused/);
  });
});
