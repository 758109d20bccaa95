/**
 * Taking a backup back out: an encrypted backup of the seeded legacy CRM in MariaDB (plus a table
 * of awkward values) decrypted into plain files that verify and equal a plain backup byte for
 * byte; restored into a new MariaDB database and into a new PostgreSQL database, where
 * `backup verify --against` that database exits 0 and every row reads back as MariaDB gives it.
 * A wrong key, a table that already holds rows, a truncated file and a NUL that PostgreSQL text
 * cannot hold each stop with one line and exit 2.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinConnectors, createSource } from '../../connectors/registry.js';
import type { Row } from '../../connectors/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, withMysqlAdmin, type TestDatabase } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const KEY = randomBytes(32).toString('hex');
const TABLES = ['awkward', 'customers', 'opportunities', 'tickets'] as const;
/** More tickets than one restore batch (1,000 rows). */
const ROWS = { customers: 150, opportunities: 300, tickets: 2_400 };

describeWith(['mysql', 'postgres'])('cutover backup decrypt and restore (MariaDB legacy CRM)', () => {
  let setup: MigrationSetup;
  let folder: string;
  const databases: TestDatabase[] = [];
  const at = (name: string) => path.join(folder, name);
  const cli = (args: readonly string[], env: Record<string, string> = {}) => runCli(args, { env: { CUTOVER_BACKUP_KEY: KEY, ...env } });
  const newDatabase = async (kind: 'mysql' | 'postgres') => {
    const database = kind === 'mysql' ? await createMysqlDatabase('cutover_restored') : await createPostgresDatabase('cutover_restored');
    databases.push(database);
    return database;
  };

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_restore', ROWS);
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-restore-test-'));
    await withMysqlAdmin(async (db) => {
      await db.query(`CREATE TABLE awkward (
          id INT PRIMARY KEY, label VARCHAR(40) NULL, body TEXT NULL, data BLOB NULL, amount DECIMAL(14,4) NULL,
          at DATETIME NULL, day DATE NULL, big BIGINT NULL, ratio DOUBLE NULL, small TINYINT NULL, count INT UNSIGNED NULL)`);
      await db.query('INSERT INTO awkward VALUES ?', [
        [
          [1, '', '', Buffer.alloc(0), '0.0000', '2019-03-05 14:22:10', '2019-03-05', '9007199254740993', 0.1, 0, 0],
          [2, null, null, null, null, null, null, null, null, null, null],
          [3, '  padded  ', 'line 1\r\nline 2\n"quoted", comma\ttab \\ backslash', Buffer.from([0, 1, 2, 0xfe, 0xff]), '-12345678.9012', '1999-12-31 23:59:59', '1999-12-31', '-1', -1.5e-300, 127, 4294967295],
          [4, '\\N', '客户要求所有报价走微信，不用邮件\n---\n𠀀 😀 and \u0001 control', Buffer.from('BLOB,"x"\n'), '1.5000', '2038-01-19 03:14:08', '2038-01-19', '0', 12345.678, -128, 7],
          [5, 'NULL', '\\N\t\\\\N', Buffer.from('00', 'hex'), '0.0001', '0000-00-00 00:00:00', '0000-00-00', '42', 1e21, 1, 1],
        ],
      ]);
      // Text PostgreSQL cannot hold; backed up on its own.
      await db.query('CREATE TABLE nul_notes (id INT PRIMARY KEY, note TEXT NULL)');
      await db.query('INSERT INTO nul_notes VALUES (1, ?), (2, ?)', ['before\u0000after', 'plain']);
    }, setup.legacy.url);
    for (const [dir, extra] of [['encrypted', ['--encrypt']], ['plain', []], ['nul', []]] as const) {
      const tables = dir === 'nul' ? ['nul_notes'] : TABLES;
      const result = await cli(['backup', '--to', at(dir), '-p', setup.projectDir, '--quiet', ...extra, ...tables], setup.env());
      expect({ dir, code: result.code, stderr: result.stderr }).toEqual({ dir, code: 0, stderr: '' });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([setup?.remove(), ...databases.map((d) => d.drop()), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  it('decrypts into plain files that verify and equal a plain backup byte for byte; refuses a folder that is not empty', async () => {
    const result = await cli(['backup', 'decrypt', at('encrypted'), '--to', at('decrypted'), '--quiet']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await readdir(at('decrypted'))).sort()).toEqual([...TABLES.map((t) => `${t}.csv`), 'manifest.json'].sort());
    // No key in the environment: a decrypted backup needs none.
    const verify = await runCli(['backup', 'verify', at('decrypted')]);
    expect({ code: verify.code, out: verify.stdout }).toMatchObject({ code: 0, out: expect.stringContaining('backup ok: 4 files match the manifest (csv, made') });
    const decrypted = JSON.parse(await readFile(path.join(at('decrypted'), 'manifest.json'), 'utf8'));
    const plain = JSON.parse(await readFile(path.join(at('plain'), 'manifest.json'), 'utf8'));
    expect(decrypted.encryption).toBeNull();
    for (const table of TABLES) {
      expect(await readFile(path.join(at('decrypted'), `${table}.csv`))).toEqual(await readFile(path.join(at('plain'), `${table}.csv`)));
      const entry = (manifest: { files: { table: string }[] }) => manifest.files.find((f) => f.table === table);
      expect(entry(decrypted)).toMatchObject({ ...pick(entry(plain), ['file', 'rows', 'bytes', 'sha256', 'columns', 'key']) });
    }

    const again = await cli(['backup', 'decrypt', at('encrypted'), '--to', at('decrypted')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^cutover: \S+decrypted already holds a backup\n/);
  });

  it('restores into a new MariaDB database: verify --against it exits 0, every row reads back as MariaDB gives it', async () => {
    const restored = await newDatabase('mysql');
    // The URL through a variable, as in cutover.yaml: the password never needs to be on the command line.
    const result = await cli(['backup', 'restore', at('encrypted'), '--to', '${RESTORE_URL}'], { RESTORE_URL: restored.url });
    expect({ code: result.code, stderr: result.stderr.replace(/^.* info .*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`check it with: cutover backup verify ${at('encrypted')} --against '\${RESTORE_URL}'`);
    await expectVerifiesAgainst(at('encrypted'), restored.url);
    await expectSameRows(setup.legacy.url, restored.url);
  }, 60_000);

  it('restores into a new PostgreSQL database with a type per kind: verify --against it exits 0, every row reads back as MariaDB gives it', async () => {
    const restored = await newDatabase('postgres');
    const result = await cli(['backup', 'restore', at('decrypted'), '--to', restored.url, '--quiet']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^ok\s+tickets\s+tickets\.csv\s+2,400\s+2,400\s+created$/m);
    await expectVerifiesAgainst(at('decrypted'), restored.url);
    await expectSameRows(setup.legacy.url, restored.url);
    const types = await queryPostgres(restored.url, `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'awkward' ORDER BY ordinal_position`);
    expect(Object.fromEntries(types.map((c) => [c.name, c.type]))).toEqual({
      id: 'integer', label: 'text', body: 'text', data: 'bytea', amount: 'text', at: 'text', day: 'text', big: 'text', ratio: 'double precision', small: 'integer', count: 'double precision',
    });
  }, 60_000);

  it('refuses a table that already holds rows (one line, exit 2, nothing loaded) unless --replace', async () => {
    const restored = await newDatabase('postgres');
    await queryPostgres(restored.url, 'CREATE TABLE tickets (id integer PRIMARY KEY, note text)');
    await queryPostgres(restored.url, "INSERT INTO tickets VALUES (1, 'kept')");
    const refused = await cli(['backup', 'restore', at('plain'), '--to', restored.url]);
    expect(refused.code).toBe(2);
    expect(oneLine(refused)).toMatch(/^cutover: PostgreSQL 127\.0\.0\.1:5432\/\S+ already has rows in table `tickets`; nothing was restored: pass --replace/);
    expect(await queryPostgres(restored.url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ n: 1 }]);

    const replaced = await cli(['backup', 'restore', at('plain'), '--to', restored.url, '--replace', '--quiet']);
    expect({ code: replaced.code, stderr: replaced.stderr }).toEqual({ code: 0, stderr: '' });
    expect(replaced.stdout).toMatch(/^ok\s+tickets\s+tickets\.csv\s+2,400\s+2,400\s+replaced$/m);
    expect(replaced.stdout).toMatch(/^ok\s+customers\s+customers\.csv\s+150\s+150\s+created$/m);
    await expectVerifiesAgainst(at('plain'), restored.url);
  }, 60_000);

  it('a wrong key or a truncated file stops decrypt and restore with one line naming the file (exit 2)', async () => {
    const restored = await newDatabase('mysql');
    const otherKey = randomBytes(32);
    for (const command of [['decrypt', '--to', at('wrong-key')], ['restore', '--to', restored.url]]) {
      const result = await cli(['backup', command[0]!, at('encrypted'), ...command.slice(1)], { CUTOVER_BACKUP_KEY: otherKey.toString('base64') });
      expect({ command: command[0], code: result.code }).toEqual({ command: command[0], code: 2 });
      expect(oneLine(result)).toMatch(/^cutover: \S+\/awkward\.csv\.enc and the other 3 files were encrypted with key [0-9a-f]{16}, but CUTOVER_BACKUP_KEY holds key [0-9a-f]{16}; set it/);
      expect(result.stderr).not.toContain(otherKey.toString('base64'));
      expect(result.stderr).not.toContain(otherKey.toString('hex'));
    }

    const cut = at('truncated');
    await cp(at('encrypted'), cut, { recursive: true });
    const tickets = JSON.parse(await readFile(path.join(cut, 'manifest.json'), 'utf8')).files.find((f: { table: string }) => f.table === 'tickets');
    await truncate(path.join(cut, 'tickets.csv.enc'), tickets.bytes - 100);
    for (const command of [['decrypt', '--to', at('truncated-out')], ['restore', '--to', restored.url]]) {
      const result = await cli(['backup', command[0]!, cut, ...command.slice(1)]);
      expect({ command: command[0], code: result.code }).toEqual({ command: command[0], code: 2 });
      expect(oneLine(result)).toBe(
        `cutover: ${path.join(cut, 'tickets.csv.enc')} is ${tickets.bytes - 100} bytes, the manifest says ${tickets.bytes}: it was truncated after the backup; use a complete copy of the backup (\`cutover backup verify ${cut}\` checks every file)`,
      );
    }
    // Nothing was written by either: no folder with half the files, no table.
    await expect(readdir(at('truncated-out'))).rejects.toThrow(/ENOENT/);
    await withMysqlAdmin(async (db) => expect((await db.query('SHOW TABLES'))[0]).toEqual([]), restored.url);

    // Truncated by a chunk and the manifest edited to match: the last chunk's tag says so, naming the file.
    const forged = at('forged');
    await cp(at('encrypted'), forged, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(forged, 'manifest.json'), 'utf8'));
    const entry = manifest.files.find((f: { table: string }) => f.table === 'tickets');
    entry.bytes -= 64 * 1024 + 16;
    await truncate(path.join(forged, 'tickets.csv.enc'), entry.bytes);
    await writeFile(path.join(forged, 'manifest.json'), JSON.stringify(manifest));
    const result = await cli(['backup', 'decrypt', forged, '--to', at('forged-out'), '--quiet']);
    expect(result.code).toBe(2);
    expect(oneLine(result)).toMatch(/^cutover: \S+\/tickets\.csv\.enc cannot be decrypted: chunk \d+ fails its authentication tag \(as the last chunk: is the file truncated\?\)/);
    expect((await readdir(at('forged-out'))).filter((f) => f.includes('tickets'))).toEqual([]);
  }, 60_000);

  it('keeps a NUL in MariaDB text; refuses it for PostgreSQL text with one line naming the row and column', async () => {
    const mysql = await newDatabase('mysql');
    const kept = await cli(['backup', 'restore', at('nul'), '--to', mysql.url, '--quiet']);
    expect({ code: kept.code, stderr: kept.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await readTable(mysql.url, 'nul_notes')).toEqual([{ id: 1, note: 'before\u0000after' }, { id: 2, note: 'plain' }]);

    const postgres = await newDatabase('postgres');
    const refused = await cli(['backup', 'restore', at('nul'), '--to', postgres.url]);
    expect(refused.code).toBe(2);
    expect(oneLine(refused)).toMatch(/^cutover: nul_notes\.csv:2: column `note` contains a NUL character \(U\+0000\), which PostgreSQL \S+ cannot store as text; table `nul_notes` was not restored/);
    expect(await queryPostgres(postgres.url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ n: 0 }]);
  });
});

/** `backup verify DIR --against URL` exits 0 with every table's count. */
async function expectVerifiesAgainst(dir: string, url: string): Promise<void> {
  const verify = await runCli(['backup', 'verify', dir, '--against', url, '--json'], { env: { CUTOVER_BACKUP_KEY: KEY } });
  expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
  const files = (JSON.parse(verify.stdout) as { files: { table: string; rows: number; sourceRowsNow: number }[] }).files;
  expect(Object.fromEntries(files.map((f) => [f.table, [f.rows, f.sourceRowsNow]]))).toEqual({ awkward: [5, 5], ...Object.fromEntries(Object.entries(ROWS).map(([t, n]) => [t, [n, n]])) });
}

/** Every table reads back through cutover's source for the restored database exactly as from the legacy one. */
async function expectSameRows(legacyUrl: string, restoredUrl: string): Promise<void> {
  for (const table of TABLES) {
    const [legacy, restored] = [await readTable(legacyUrl, table), await readTable(restoredUrl, table)];
    expect(restored.length).toBe(legacy.length);
    expect({ table, rows: restored }).toEqual({ table, rows: legacy });
  }
  const awkward = await readTable(restoredUrl, 'awkward');
  expect(awkward.map((row) => [row.label, row.data, row.at])).toEqual([
    ['', Buffer.alloc(0), '2019-03-05 14:22:10'],
    [null, null, null],
    ['  padded  ', Buffer.from([0, 1, 2, 0xfe, 0xff]), '1999-12-31 23:59:59'],
    ['\\N', Buffer.from('BLOB,"x"\n'), '2038-01-19 03:14:08'],
    ['NULL', Buffer.from('00', 'hex'), '0000-00-00 00:00:00'],
  ]);
}

async function readTable(url: string, table: string): Promise<Row[]> {
  const source = createSource(builtinConnectors().resolve('db', url, { baseDir: process.cwd() }));
  try {
    const rows: Row[] = [];
    for await (const batch of source.read({ entity: { table, key: 'id' }, batchSize: 1_000 })) {
      expect(batch.rejects).toEqual([]);
      for (const row of batch.rows) rows.push(row.data);
    }
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  } finally {
    await source.close();
  }
}

function oneLine(result: CliResult): string {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

function pick(value: Record<string, unknown> | undefined, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, value?.[name]]));
}
