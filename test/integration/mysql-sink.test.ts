/**
 * What the MySQL/MariaDB target does beyond the shared sink contract: its strict session (a value
 * too long or out of range is refused, never truncated, even after a migration changed the
 * session), key collations, tables it cannot roll back, lost connections, time-outs and aborts,
 * statements cut to `statement_bytes`, its migrations, and messages without the password.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import type { MysqlSink } from '../../connectors/mysql/mysql-sink.js';
import type { TargetTable } from '../../connectors/types.js';
import { createMysqlDatabase, describeWith, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

const TARGET: TargetTable = { table: 'items', key: 'legacy_id', id: 'id' };

async function openSink(url: string, options = ''): Promise<MysqlSink> {
  const full = options ? `${url}${url.includes('?') ? '&' : '?'}${options}` : url;
  return (await mysqlConnector.createSink!(mysqlConnector.parseConfig(parseConnectionUrl(full), { baseDir: '.' }))) as MysqlSink;
}

const admin = <T>(url: string, sql: string) => withMysqlAdmin(async (c) => (await c.query(sql))[0] as T, url);

describeWith(['mysql'])('MariaDB target specifics', () => {
  let database: TestDatabase;
  let sink: MysqlSink;

  beforeAll(async () => {
    database = await createMysqlDatabase('cutover_mysink');
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await admin(database.url, `DROP TABLE IF EXISTS items; CREATE TABLE items (
      id INT AUTO_INCREMENT PRIMARY KEY,
      legacy_id VARCHAR(32) COLLATE utf8mb4_bin NOT NULL UNIQUE,
      name VARCHAR(10) NOT NULL,
      qty SMALLINT,
      price DECIMAL(6,2),
      due DATETIME(3),
      level ENUM('low','high'),
      score INT CHECK (score BETWEEN 0 AND 100),
      legacy_text VARCHAR(20) CHARACTER SET utf8mb3
    ) ENGINE=InnoDB`);
    sink = await openSink(database.url, 'pool_size=1');
  });
  afterEach(async () => {
    await sink?.close();
  });

  const rows = async () => admin<Record<string, unknown>[]>(database.url, 'SELECT legacy_id, name, qty, price, level, score, legacy_text FROM items ORDER BY legacy_id');

  it('names itself by server and endpoint', () => {
    expect(sink.endpoint).toBe(`MariaDB 127.0.0.1:3306/${database.name}`);
  });

  it('refuses what a lax session would truncate or round away, row by row, with the server\'s reason', async () => {
    const outcomes = await sink.write((w) =>
      w.upsert(TARGET, [
        { legacy_id: 'ok', name: 'fine', qty: 1, price: '1.50', due: '2024-01-01T00:00:00Z', level: 'low', score: 50, legacy_text: 'café' },
        { legacy_id: 'long', name: 'eleven char', qty: 1, price: null, due: null, level: null, score: null, legacy_text: null },
        { legacy_id: 'range', name: 'n', qty: 40_000, price: null, due: null, level: null, score: null, legacy_text: null },
        { legacy_id: 'word', name: 'n', qty: 'many', price: null, due: null, level: null, score: null, legacy_text: null },
        { legacy_id: 'price', name: 'n', qty: null, price: '123456.00', due: null, level: null, score: null, legacy_text: null },
        { legacy_id: 'date', name: 'n', qty: null, price: null, due: '2024-13-01 00:00:00', level: null, score: null, legacy_text: null },
        { legacy_id: 'enum', name: 'n', qty: null, price: null, due: null, level: 'medium', score: null, legacy_text: null },
        { legacy_id: 'check', name: 'n', qty: null, price: null, due: null, level: null, score: 101, legacy_text: null },
        { legacy_id: 'emoji', name: 'n', qty: null, price: null, due: null, level: null, score: null, legacy_text: 'party 🎉' },
        { legacy_id: 'ok2', name: 'also fine', qty: -3, price: '-0.01', due: null, level: 'high', score: 0, legacy_text: null },
      ]),
    );
    const reasons = Object.fromEntries(outcomes.map((o, i) => [i, o.ok ? 'ok' : o.reason]));
    expect(reasons).toEqual({
      0: 'ok',
      1: "the target refused the row: Data too long for column 'name'",
      2: "the target refused the row: Out of range value for column 'qty'",
      3: expect.stringMatching(/^the target refused the row: Incorrect integer value: 'many' for column `[^`]+`\.`items`\.`qty`$/),
      4: "the target refused the row: Out of range value for column 'price'",
      5: expect.stringMatching(/^the target refused the row: Incorrect datetime value: '2024-13-01 00:00:00' for column/),
      6: "the target refused the row: Data truncated for column 'level'",
      7: expect.stringMatching(/^the target refused the row: CONSTRAINT `items\.score` failed/),
      8: expect.stringMatching(/^the target refused the row: Incorrect string value: '\\xF0\\x9F\\x8E\\x89' for column/),
      9: 'ok',
    });
    expect((await rows()).map((row) => row.legacy_id)).toEqual(['ok', 'ok2']);
  });

  it('keeps its strict session when a migration loosened the pooled connection\'s', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-mysql-migrations-'));
    try {
      await writeFile(path.join(dir, '001_loosen.sql'), "SET SESSION sql_mode = ''; SET SESSION foreign_key_checks = 0; SET time_zone = '+05:00';");
      expect(await sink.applyMigrations(dir, 'cutover')).toEqual(['001_loosen.sql']);
      // pool_size=1: the write gets the connection the migration ran on.
      const [outcome] = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'long', name: 'far too long a name', due: '2024-01-01T12:00:00Z' }]));
      expect(outcome!.ok).toBe(false);
      const [ok] = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'utc', name: 'n', due: '2024-01-01T12:00:00Z' }]));
      expect(ok!.ok).toBe(true);
      expect(await admin(database.url, "SELECT CAST(due AS CHAR) AS due FROM items WHERE legacy_id = 'utc'")).toEqual([{ due: '2024-01-01 12:00:00.000' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps keys that differ in case or trailing blanks apart, refusing the one its collation cannot tell from another', async () => {
    await admin(database.url, 'ALTER TABLE items MODIFY legacy_id VARCHAR(32) COLLATE utf8mb4_unicode_ci NOT NULL');
    const first = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'abc', name: 'lower' }]));
    const second = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'ABC', name: 'upper' }, { legacy_id: 'abc ', name: 'blank' }, { legacy_id: 'abc', name: 'again' }]));
    expect(second[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/Duplicate entry 'ABC' for key/) });
    expect(second[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/Duplicate entry 'abc ' for key/) });
    expect(second[2]).toEqual({ ok: true, id: (first[0] as { id: string }).id, inserted: false });
    expect(await rows()).toMatchObject([{ legacy_id: 'abc', name: 'again' }]);
  });

  it('gives a key repeated in one batch one row: inserted the first time, updated the second', async () => {
    const outcomes = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'A', name: 'one' }, { legacy_id: 'B', name: 'b' }, { legacy_id: 'A', name: 'two' }]));
    expect(outcomes[0]).toMatchObject({ ok: true, inserted: true });
    expect(outcomes[2]).toEqual({ ok: true, id: (outcomes[0] as { id: string }).id, inserted: false });
    expect((await rows()).map((row) => [row.legacy_id, row.name])).toEqual([['A', 'two'], ['B', 'b']]);
  });

  it('cuts a batch into statements of at most statement_bytes, and still finds the refused row', async () => {
    await sink.close();
    sink = await openSink(database.url, 'statement_bytes=65536');
    await admin(database.url, 'ALTER TABLE items MODIFY name TEXT NOT NULL');
    const batch = Array.from({ length: 60 }, (_, i) => ({ legacy_id: `K${String(i).padStart(2, '0')}`, name: `${i}:${'x'.repeat(5_000)}` }));
    batch[41] = { legacy_id: 'K41', name: null as unknown as string };
    const outcomes = await sink.write((w) => w.upsert(TARGET, batch));
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(1);
    expect(outcomes[41]!.ok).toBe(false);
    const stored = await admin<{ legacy_id: string; id: number; head: string }[]>(database.url, "SELECT legacy_id, id, SUBSTRING_INDEX(name, ':', 1) AS head FROM items ORDER BY legacy_id");
    expect(stored).toHaveLength(59);
    for (const row of stored) {
      const index = Number(row.legacy_id.slice(1));
      expect(row.head).toBe(String(index));
      expect(outcomes[index]).toEqual({ ok: true, id: String(row.id), inserted: true });
    }
  });

  it('refuses a table that cannot roll back, and names the fix', async () => {
    await admin(database.url, 'CREATE TABLE IF NOT EXISTS myisam_items (id INT AUTO_INCREMENT PRIMARY KEY, legacy_id VARCHAR(20) NOT NULL UNIQUE) ENGINE=MyISAM');
    await expect(sink.write((w) => w.upsert({ table: 'myisam_items', key: 'legacy_id', id: 'id' }, [{ legacy_id: 'a' }]))).rejects.toMatchObject({
      name: 'FatalError',
      message: expect.stringMatching(/table `myisam_items` uses the MyISAM engine, which cannot roll back a failed batch; convert it with ALTER TABLE `myisam_items` ENGINE=InnoDB$/),
    });
  });

  it('says which table or column is missing, as a fault of the call', async () => {
    await expect(sink.write((w) => w.upsert({ ...TARGET, table: 'nope' }, [{ legacy_id: 'a' }]))).rejects.toMatchObject({ name: 'FatalError', message: expect.stringMatching(/target table `nope` does not exist/) });
    await expect(sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'a', colour: 'red', size: 1 }]))).rejects.toMatchObject({ name: 'FatalError', message: expect.stringMatching(/has no column `colour`, `size`/) });
    await expect(sink.write((w) => w.upsert(TARGET, [{ name: 'no key' }]))).rejects.toMatchObject({ name: 'FatalError', message: expect.stringMatching(/rows lack the key column `legacy_id`/) });
  });

  it('loses its connection mid-write as a TransientError, commits nothing, and writes again afterwards', async () => {
    const attempt = sink.write(async (w) => {
      await w.upsert(TARGET, [{ legacy_id: 'lost', name: 'n' }]);
      const [{ id }] = await admin<[{ id: number }]>(database.url, `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = '${database.name}' AND USER = 'root' AND INFO IS NULL AND COMMAND = 'Sleep' ORDER BY ID DESC LIMIT 1`);
      await admin(database.url, `KILL ${id}`);
      return w.upsert(TARGET, [{ legacy_id: 'after', name: 'n' }]);
    });
    await expect(attempt).rejects.toMatchObject({ name: 'TransientError', message: expect.stringMatching(new RegExp(`^MariaDB 127\\.0\\.0\\.1:3306/${database.name}: `)) });
    expect(await rows()).toEqual([]);
    expect((await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'again', name: 'n' }])))[0]!.ok).toBe(true);
  });

  it('gives up a statement that waits past query_timeout_ms, as a TransientError, and kills it on the server', async () => {
    await sink.close();
    sink = await openSink(database.url, 'query_timeout_ms=400');
    await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'held', name: 'n' }]));
    await withMysqlAdmin(async (holder) => {
      await holder.query("START TRANSACTION; SELECT * FROM items WHERE legacy_id = 'held' FOR UPDATE");
      const started = Date.now();
      await expect(sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'held', name: 'blocked' }]))).rejects.toMatchObject({ name: 'TransientError', message: expect.stringMatching(/no answer within query_timeout_ms/) });
      expect(Date.now() - started).toBeLessThan(5_000);
      // The statement no longer waits on the server for the lock the holder keeps.
      const waiting = async () => ((await holder.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT CAST(%FOR UPDATE'"))[0] as { n: number }[])[0]!.n;
      for (let tries = 0; tries < 40 && (await waiting()) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await waiting()).toBe(0);
      await holder.query('ROLLBACK');
    }, database.url);
    expect((await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'held', name: 'free' }])))[0]).toMatchObject({ ok: true, inserted: false });
  });

  it('looks numeric legacy keys up in a text key column through its index, locking only their own rows', async () => {
    await sink.close();
    sink = await openSink(database.url, 'query_timeout_ms=3000');
    await sink.write((w) => w.upsert(TARGET, [{ legacy_id: '1-other', name: 'n' }, { legacy_id: 7, name: 'seven' }]));
    await withMysqlAdmin(async (holder) => {
      // A row before the keys in the index, so that not even a next-key lock of their range reaches it.
      await holder.query("START TRANSACTION; SELECT * FROM items WHERE legacy_id = '1-other' FOR UPDATE");
      // Compared as numbers, the keys would make the server read and lock every row, the held one too, and wait for the holder.
      const outcomes = await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 7, name: 'seven!' }, { legacy_id: 8, name: 'eight' }]));
      expect(outcomes.map((o) => o.ok && o.inserted)).toEqual([false, true]);
      await holder.query('ROLLBACK');
    }, database.url);
  });

  it('rolls back a write whose signal aborts, at once', async () => {
    const controller = new AbortController();
    const attempt = sink.write(async (w) => {
      await w.upsert(TARGET, [{ legacy_id: 'aborted', name: 'n' }]);
      controller.abort();
      return w.upsert(TARGET, [{ legacy_id: 'never', name: 'n' }]);
    }, { signal: controller.signal });
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(await rows()).toEqual([]);
    await expect(sink.write((w) => w.upsert(TARGET, []), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('applies numbered migration files once each, in name order, and names the one that fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-mysql-migrations-'));
    try {
      await writeFile(path.join(dir, '002_b.sql'), "INSERT INTO mig_a (v) VALUES ('second'); -- after 001\nCREATE TABLE mig_b (id INT PRIMARY KEY);");
      await writeFile(path.join(dir, '001_a.sql'), 'CREATE TABLE mig_a (v VARCHAR(40));\nINSERT INTO mig_a (v) VALUES (\'first; with a semicolon\');');
      await writeFile(path.join(dir, '003_comment.sql'), '-- nothing to do yet\n');
      await writeFile(path.join(dir, 'README.md'), 'not a migration');
      expect(await sink.applyMigrations(dir, 'files')).toEqual(['001_a.sql', '002_b.sql', '003_comment.sql']);
      expect(await sink.applyMigrations(dir, 'files')).toEqual([]);
      expect(await admin(database.url, 'SELECT v FROM mig_a ORDER BY v')).toEqual([{ v: 'first; with a semicolon' }, { v: 'second' }]);
      expect((await admin<{ name: string }[]>(database.url, 'SELECT name FROM files_target_migrations ORDER BY name')).map((r) => r.name)).toEqual(['001_a.sql', '002_b.sql', '003_comment.sql']);
      await writeFile(path.join(dir, '004_bad.sql'), 'CREATE TABLE mig_c (id INT PRIMARY KEY);\nCREATE TABLE mig_c (id INT PRIMARY KEY);');
      await writeFile(path.join(dir, '005_later.sql'), 'CREATE TABLE mig_d (id INT PRIMARY KEY);');
      await expect(sink.applyMigrations(dir, 'files')).rejects.toMatchObject({
        name: 'FatalError',
        message: expect.stringMatching(/: target migration 004_bad\.sql \(in .+\) failed: Table 'mig_c' already exists .*the statements before the failing one stay applied/),
      });
      expect((await admin<{ name: string }[]>(database.url, 'SELECT name FROM files_target_migrations ORDER BY name')).map((r) => r.name)).toEqual(['001_a.sql', '002_b.sql', '003_comment.sql']);
      expect(await admin(database.url, "SHOW TABLES LIKE 'mig_d'")).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts rows with a key and analyses a table', async () => {
    await admin(database.url, 'ALTER TABLE items MODIFY legacy_id VARCHAR(32) COLLATE utf8mb4_bin NULL');
    await sink.write((w) => w.upsert(TARGET, [{ legacy_id: 'a', name: 'n' }, { legacy_id: 'b', name: 'n' }]));
    await admin(database.url, "INSERT INTO items (legacy_id, name) VALUES (NULL, 'by the CRM')");
    expect(await sink.countRows(TARGET)).toBe(2);
    await expect(sink.analyze(TARGET)).resolves.toBeUndefined();
  });

  it('never shows the password: not in its endpoint, not in its errors', async () => {
    const user = `cutover_u_${Date.now().toString(36)}`;
    const password = 'pa55:w/rd@secret';
    await admin(database.url, `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON \`${database.name}\`.* TO '${user}'@'%'`);
    try {
      const url = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/${database.name}`;
      const own = await openSink(url);
      try {
        expect(own.endpoint).not.toContain('secret');
        const failure = await own.write((w) => w.upsert({ ...TARGET, table: 'missing' }, [{ legacy_id: 'a' }])).catch((error: Error) => error);
        expect(String(failure)).not.toContain('secret');
      } finally {
        await own.close();
      }
      const wrong = await openSink(`mysql://${user}:${encodeURIComponent('wrong-secret')}@127.0.0.1:3306/${database.name}`).catch((error: Error) => error);
      expect(wrong).toMatchObject({ name: 'FatalError', message: expect.stringMatching(/access denied/) });
      expect(`${String(wrong)} ${JSON.stringify(wrong)}`).not.toContain('secret');
    } finally {
      await admin(database.url, `DROP USER '${user}'@'%'`);
    }
  });
});
