import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { FatalError, TransientError } from '../../connectors/errors.js';
import { pgliteConnector } from '../../connectors/pglite/pglite-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { RowOutcome, Sink, StateDatabase } from '../../connectors/sink.js';
import type { TargetTable } from '../../connectors/types.js';
import { rowDigest, rowText } from '../../pipelines/reconcile/canonical-value.js';
import { createPostgresDatabase, withPostgresAdmin, describeWith, type TestDatabase } from '../support/databases.js';
import { describe } from 'vitest';

const TARGET: TargetTable = { table: 'people', key: 'legacy_id', id: 'id' };
const DDL = `CREATE TABLE people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), legacy_id text NOT NULL UNIQUE,
  name varchar(10) NOT NULL, tags jsonb, born date)`;

type PgFamilySink = Sink & { readonly stateDatabase: StateDatabase };

/** The target's rows, through its own state database (the same database). */
async function query<T>(sink: PgFamilySink, text: string, values: readonly unknown[] = []): Promise<T[]> {
  const { rows } = await sql.raw<T>(text.replace(/\$(\d+)/g, (_m, n: string) => literal(values[Number(n) - 1]))).execute(sink.stateDatabase.db);
  return rows;
}

function literal(value: unknown): string {
  return value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`;
}

function sinkBehaviour(name: string, open: () => Promise<{ sink: PgFamilySink; done: () => Promise<void> }>) {
  describe(name, () => {
    let sink: PgFamilySink;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ sink, done } = await open());
      await sql.raw(DDL).execute(sink.stateDatabase.db);
    });
    afterAll(async () => {
      await sink.close();
      await sink.close(); // idempotent
      await done();
    });

    it('declares that rows and state commit together in the target', () => {
      expect(sink.capabilities).toMatchObject({ transactional: true, state: 'target', deletes: true, counts: true, contentChecks: true, migrations: true });
      expect(sink.stateDatabase.endpoint).toBe(sink.endpoint);
    });

    it('upserts on the legacy key and says which rows were new', async () => {
      const first = await sink.write((writer) =>
        writer.upsert(TARGET, [
          { legacy_id: 'a', name: 'Ann', tags: ['x', 'y'], born: '1990-02-03' },
          { legacy_id: 'b', name: 'Bob', tags: null, born: null },
        ]),
      );
      expect(first.map((o) => o.ok && o.inserted)).toEqual([true, true]);
      const second = await sink.write((writer) =>
        writer.upsert(TARGET, [
          { legacy_id: 'c', name: 'Cy', tags: { k: 1 }, born: null },
          { legacy_id: 'a', name: 'Anne', tags: [], born: '1990-02-03' },
        ]),
      );
      expect(second.map((o) => o.ok && o.inserted)).toEqual([true, false]);
      expect(idOf(second[1]!)).toBe(idOf(first[0]!));
      expect(await query(sink, 'SELECT legacy_id, name, tags, born FROM people ORDER BY legacy_id')).toEqual([
        { legacy_id: 'a', name: 'Anne', tags: [], born: '1990-02-03' },
        { legacy_id: 'b', name: 'Bob', tags: null, born: null },
        { legacy_id: 'c', name: 'Cy', tags: { k: 1 }, born: null },
      ]);
    });

    it('rolls back everything when the write throws, the state with it', async () => {
      await expect(
        sink.write(async (writer) => {
          await writer.upsert(TARGET, [{ legacy_id: 'z', name: 'Zed', tags: null, born: null }]);
          await sql`CREATE TABLE written_state (n int)`.execute(writer.state!.db);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await query(sink, `SELECT count(*)::int AS n FROM people WHERE legacy_id = 'z'`)).toEqual([{ n: 0 }]);
      expect(await query(sink, `SELECT to_regclass('written_state') IS NULL AS gone`)).toEqual([{ gone: true }]);
    });

    it('isolates refused rows under savepoints, with the database reason, and writes the rest', async () => {
      const outcomes = await sink.write((writer) =>
        writer.upsert(TARGET, [
          { legacy_id: 'd', name: 'Dee', tags: null, born: null },
          { legacy_id: 'e', name: 'far too long a name', tags: null, born: null },
          { legacy_id: 'e2', name: 'Ee', tags: null, born: null },
        ]),
      );
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect(outcomes[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/^the target refused the row: value too long for type character varying\(10\)/) });
      expect(((outcomes[1] as { detail?: FatalError }).detail)?.code).toBe('22001');
      const rows = await query<{ legacy_id: string }>(sink, `SELECT legacy_id FROM people WHERE legacy_id IN ('d', 'e', 'e2') ORDER BY legacy_id`);
      expect(rows.map((r) => r.legacy_id)).toEqual(['d', 'e2']);
    });

    it('writes tabs, newlines, backslashes and quotes as they are', async () => {
      const awkward = { legacy_id: 'tab\there', name: 'a\tb\\c\nd\r"', tags: { note: 'line\none\\two\t"q"' }, born: null };
      const [outcome] = await sink.write((writer) => writer.upsert(TARGET, [awkward]));
      expect(outcome).toMatchObject({ ok: true, inserted: true });
      expect(await query(sink, 'SELECT name, tags FROM people WHERE legacy_id = $1', [awkward.legacy_id])).toEqual([{ name: awkward.name, tags: awkward.tags }]);
    });

    it('keeps working after a write whose every row was refused', async () => {
      // Only legacy_id and name: a column set not written before (the PostgreSQL sink stages it in a table of its own).
      const refusals = await sink.write(async (writer) => [
        ...(await writer.upsert(TARGET, [{ legacy_id: 'f', name: 'far too long a name' }])),
        ...(await writer.upsert(TARGET, [{ legacy_id: 'g', name: null }])),
      ]);
      expect(refusals.map((o) => !o.ok && (o.detail as FatalError).code)).toEqual(['22001', '23502']);
      const [outcome] = await sink.write((writer) => writer.upsert(TARGET, [{ legacy_id: 'f', name: 'Eff' }]));
      expect(outcome).toMatchObject({ ok: true, inserted: true });
    });

    it('splits statements that would exceed the bind-parameter limit', async () => {
      const rows = Array.from({ length: 14_000 }, (_, i) => ({ legacy_id: `bulk-${i}`, name: `n${i % 1000}`, tags: null, born: null }));
      const outcomes = await sink.write((writer) => writer.upsert(TARGET, rows));
      expect(outcomes).toHaveLength(14_000);
      expect(new Set(outcomes.map(idOf)).size).toBe(14_000);
      expect(await sink.countRows!(TARGET)).toBe(14_000 + 7);
    });

    it('patches, archives, re-points and deletes by key and id; refuses a delete still referenced', async () => {
      await sql.raw(`CREATE TABLE pets (id bigserial PRIMARY KEY, legacy_id text UNIQUE NOT NULL, owner uuid REFERENCES people(id), gone_at timestamptz)`).execute(sink.stateDatabase.db);
      const pets = { table: 'pets', key: 'legacy_id', id: 'id' };
      const [ann, bob] = await query<{ id: string }>(sink, `SELECT id::text FROM people WHERE legacy_id IN ('a', 'b') ORDER BY legacy_id`);
      const written = await sink.write((writer) => writer.upsert(pets, [{ legacy_id: 'p1', owner: ann!.id }, { legacy_id: 'p2', owner: ann!.id }, { legacy_id: 'p3', owner: null }]));
      const petIds = written.map(idOf);

      const patched = await sink.write((writer) => writer.patch(TARGET, [{ legacy_id: 'b', name: 'Bobby' }, { legacy_id: 'nobody', name: 'X' }, { legacy_id: 'c', name: 'far too long a name' }]));
      expect(patched).toMatchObject([{ ok: true, id: bob!.id, inserted: false }, { ok: false, reason: "the target has no row with legacy_id 'nobody'" }, { ok: false, reason: expect.stringMatching(/^the target refused the row: value too long/) }]);

      const moved = await sink.write((writer) => writer.repoint({ ...pets, field: 'owner' }, ['p1', 'p2', 'p9'], bob!.id));
      expect(moved).toBe(2);
      expect(await query(sink, `SELECT legacy_id, owner::text FROM pets ORDER BY legacy_id`)).toEqual([
        { legacy_id: 'p1', owner: bob!.id },
        { legacy_id: 'p2', owner: bob!.id },
        { legacy_id: 'p3', owner: null },
      ]);

      const first = new Date('2024-05-01T10:00:00.123Z');
      const rows = written.map((outcome, index) => ({ legacyKey: `p${index + 1}`, targetId: idOf(outcome) }));
      expect(await sink.write((writer) => writer.archive(pets, 'gone_at', rows.slice(0, 2), first))).toBe(2);
      // Archived earlier: keeps its first time.
      expect(await sink.write((writer) => writer.archive(pets, 'gone_at', rows, new Date('2024-06-01T00:00:00Z')))).toBe(1);
      const archived = await query<{ legacy_id: string; at: string }>(sink, `SELECT legacy_id, (extract(epoch from gone_at) * 1000)::bigint::text AS at FROM pets ORDER BY legacy_id`);
      expect(archived.map((row) => row.at)).toEqual([String(first.getTime()), String(first.getTime()), String(Date.parse('2024-06-01T00:00:00Z'))]);

      const deleted = await sink.write((writer) => writer.delete(TARGET, [bob!.id, ann!.id, '00000000-0000-4000-8000-000000000000']));
      expect(deleted).toMatchObject([
        { id: bob!.id, ok: false, reason: expect.stringMatching(/^the target refused the row: .*foreign key.*\(Key \(id\)=.* is still referenced/) },
        { id: ann!.id, ok: true },
        { id: '00000000-0000-4000-8000-000000000000', ok: true },
      ]);
      expect(await query(sink, `SELECT legacy_id FROM people WHERE legacy_id IN ('a', 'b') ORDER BY legacy_id`)).toEqual([{ legacy_id: 'b' }]);
      expect(await sink.write((writer) => writer.delete(pets, petIds))).toMatchObject(petIds.map((id) => ({ id, ok: true })));
    });

    it('probes content by key with the canonical forms, and pages its keys', async () => {
      await expect(sink.contentProbe!(TARGET, ['name', 'nope'])).rejects.toThrow(/^target table `people` has no column `nope`$/);
      const probe = await sink.contentProbe!(TARGET, ['name', 'tags', 'born']);
      expect(probe.columns).toEqual([{ name: 'name', kind: 'text' }, { name: 'tags', kind: 'json' }, { name: 'born', kind: 'date' }]);
      const rows = await probe.rows(['c', 'e2', 'missing']);
      expect([...rows.keys()].sort()).toEqual(['c', 'e2']);
      expect(rows.get('c')).toEqual({ canonical: { name: 'Cy', tags: '{"k": 1}', born: null }, text: { name: 'Cy', tags: '{"k": 1}', born: null } });
      const digests = await probe.digests(['c', 'e2']);
      expect(digests.get('c')).toBe(rowDigest(rowText(['Cy', '{"k": 1}', null])));
      expect(await probe.checksum(['c', 'e2', 'missing'])).toEqual({ count: 2, sum: digests.get('c')! + digests.get('e2')! });
      const keys: string[] = [];
      for (let after: string | null = null; ; ) {
        const page = await probe.keysPage(after, 5_000);
        if (page.length === 0) break;
        keys.push(...page);
        after = page[page.length - 1]!;
      }
      expect(keys).toHaveLength(await sink.countRows!(TARGET));
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('applies numbered migrations once each, in name order, and names the one that fails', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'cutover-sink-migrations-'));
      try {
        await writeFile(path.join(dir, '002_more.sql'), 'ALTER TABLE made ADD COLUMN b int;');
        await writeFile(path.join(dir, '001_made.sql'), 'CREATE TABLE made (a int); INSERT INTO made VALUES (1);');
        expect(await sink.applyMigrations!(dir, 'cutover')).toEqual(['001_made.sql', '002_more.sql']);
        expect(await sink.applyMigrations!(dir, 'cutover')).toEqual([]);
        await writeFile(path.join(dir, '003_bad.sql'), 'ALTER TABLE nowhere ADD COLUMN c int;');
        await expect(sink.applyMigrations!(dir, 'cutover')).rejects.toThrow(/^target migration 003_bad\.sql \(in .*\) failed: .*nowhere/);
        await sink.analyze!(TARGET);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('runs state transactions on the same database: committed, or rolled back when they throw', async () => {
      await sink.stateDatabase.transaction((tx) => sql`CREATE TABLE state_only (n int)`.execute(tx.db));
      await expect(sink.stateDatabase.transaction(async (tx) => {
        await sql`INSERT INTO state_only VALUES (1)`.execute(tx.db);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await query(sink, 'SELECT count(*)::int AS n FROM state_only')).toEqual([{ n: 0 }]);
    });
  });
}

function idOf(outcome: RowOutcome): string {
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  return outcome.id;
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
