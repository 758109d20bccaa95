/**
 * `cutover backup` on the seeded legacy CRM in MariaDB (plus a table of awkward types): every
 * format, encrypted and not, verifies; a flipped byte fails verify naming the file; every row read
 * back through `file://` equals the row MariaDB gives; and the example project migrated from the
 * backup folder loads exactly what it loads from the database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinConnectors, createSource } from '../../connectors/registry.js';
import type { Row, Source } from '../../connectors/types.js';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, withMysqlAdmin, type TestDatabase } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
const TABLES = ['attachments', 'customers', 'opportunities', 'tickets'] as const;
const KEY = randomBytes(32).toString('hex');

describeWith(['mysql', 'postgres'])('cutover backup (MariaDB legacy CRM)', () => {
  let setup: MigrationSetup;
  let folder: string;
  const targets: TestDatabase[] = [];
  const backupDir = (format: string, encrypted: boolean) => path.join(folder, `${format}${encrypted ? '-enc' : ''}`);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_backup', { customers: 300, opportunities: 600, tickets: 900 });
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-backup-test-'));
    // A table no mapping reads, with the types a backup must carry exactly.
    await withMysqlAdmin(async (db) => {
      await db.query(`CREATE TABLE attachments (
          id INT PRIMARY KEY, label VARCHAR(40) NULL, body TEXT NULL, data BLOB NULL, amount DECIMAL(14,4) NULL,
          at DATETIME NULL, big BIGINT NULL, ratio DOUBLE NULL, small TINYINT NULL)`);
      await db.query('INSERT INTO attachments VALUES ?', [
        [
          [1, '', '', Buffer.alloc(0), '0.0000', '2019-03-05 14:22:10', '9007199254740993', 0.1, 0],
          [2, null, null, null, null, null, null, null, null],
          [3, '  padded  ', 'line 1\r\nline 2\n"quoted", comma\ttab', Buffer.from([0, 1, 2, 0xfe, 0xff]), '-12345678.9012', '1999-12-31 23:59:59', '-1', -1.5e-300, 127],
          [4, '_x0041_ literal', '客户要求所有报价走微信，不用邮件\n---\n𠀀 and \u0001 control', Buffer.from('BLOB,"x"\n'), '1.5000', '2038-01-19 03:14:08', '0', 12345.678, -128],
          [5, 'NULL', '\\N', Buffer.from('00', 'hex'), '0.0001', '0000-00-00 00:00:00', '42', 1e21, 1],
        ],
      ]);
    }, setup.legacy.url);
    for (const format of FORMATS) {
      for (const encrypted of [false, true]) {
        const args = ['backup', '--to', backupDir(format, encrypted), '--format', format, '-p', setup.projectDir, '--quiet', ...(encrypted ? ['--encrypt'] : [])];
        const result = await runCli(args, { env: { ...setup.env(), CUTOVER_BACKUP_KEY: KEY } });
        expect({ format, encrypted, code: result.code, stderr: result.stderr }).toEqual({ format, encrypted, code: 0, stderr: '' });
      }
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([setup?.remove(), ...targets.map((t) => t.drop()), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  it('writes one file per legacy table and a manifest with counts, checksums and no secret', async () => {
    const manifest = JSON.parse(await readFile(path.join(backupDir('csv', true), 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { file: string }) => f.file).sort()).toEqual(TABLES.map((t) => `${t}.csv.enc`));
    const customers = manifest.files.find((f: { table: string }) => f.table === 'customers');
    expect(customers).toMatchObject({ rows: 300, sourceRows: 300, key: 'id', orderBy: ['updated_at', 'id'] });
    expect(customers.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.encryption).toMatchObject({ keyEnv: 'CUTOVER_BACKUP_KEY' });
    const text = JSON.stringify(manifest);
    expect(text).not.toContain(KEY);
    expect(manifest.sources[0].url).not.toMatch(/:[^/@]*@/);
  });

  it('verifies every backup (exit 0), and a flipped byte fails verify naming the file (exit 1)', async () => {
    const env = { CUTOVER_BACKUP_KEY: KEY };
    for (const format of FORMATS) {
      for (const encrypted of [false, true]) {
        const result = await runCli(['backup', 'verify', backupDir(format, encrypted)], { env });
        expect({ format, encrypted, code: result.code, out: result.stdout }).toMatchObject({ code: 0, out: expect.stringContaining('backup ok: 4 files') });
      }
    }
    for (const [format, encrypted, file] of [['csv', false, 'tickets.csv'], ['jsonl', true, 'customers.jsonl.enc'], ['xlsx', false, 'opportunities.xlsx']] as const) {
      const copy = path.join(folder, `flipped-${format}-${encrypted}`);
      await runCli(['backup', '--to', copy, '--format', format, '-p', setup.projectDir, '--quiet', ...(encrypted ? ['--encrypt'] : [])], { env: { ...setup.env(), ...env } });
      const target = path.join(copy, file);
      const bytes = await readFile(target);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(target, bytes);
      const result = await runCli(['backup', 'verify', copy], { env });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`DIFFERS\\s+${file.replaceAll('.', '\\.')}\\s.*SHA-256`));
      expect(result.stdout.match(/^DIFFERS/gm)).toHaveLength(1);
      expect(result.stdout).toContain("backup DIFFERS: 1 of 4 files");
      if (encrypted) expect(result.stdout).toMatch(/authentication tag/);
    }
    const wrongKey = await runCli(['backup', 'verify', backupDir('csv', true)], { env: { CUTOVER_BACKUP_KEY: randomBytes(32).toString('base64') } });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/encrypted with key [0-9a-f]{16}, but CUTOVER_BACKUP_KEY holds key/);
    expect(wrongKey.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads back, through file://, exactly the rows MariaDB gives: types, NULL vs empty, bytes, text', async () => {
    process.env.CUTOVER_BACKUP_KEY = KEY;
    const registry = builtinConnectors();
    const database = createSource(registry.resolve('legacy', setup.legacy.url, { baseDir: folder }));
    try {
      const expected = new Map<string, Row[]>();
      for (const table of TABLES) expected.set(table, await readRows(database, table));
      expect(expected.get('attachments')![2]!.data).toEqual(Buffer.from([0, 1, 2, 0xfe, 0xff]));
      for (const format of FORMATS) {
        for (const encrypted of [false, true]) {
          const url = `file://${backupDir(format, encrypted)}${encrypted ? '?key_env=CUTOVER_BACKUP_KEY' : ''}`;
          const backup = createSource(registry.resolve('legacy', url, { baseDir: folder }));
          for (const table of TABLES) {
            const rows = await readRows(backup, table);
            expect({ format, encrypted, table, rows }).toEqual({ format, encrypted, table, rows: expected.get(table) });
          }
          await backup.close();
        }
      }
    } finally {
      await database.close();
    }
  });

  it('migrates from the backup folder (plain csv, encrypted xlsx) exactly as from the database: target rows and rejects', async () => {
    const migrate = async (legacyUrl: string) => {
      const target = await createPostgresDatabase('cutover_backup_target');
      targets.push(target);
      const result = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: { LEGACY_URL: legacyUrl, NEWCRM_URL: target.url, CUTOVER_BACKUP_KEY: KEY } });
      expect({ legacyUrl, code: result.code, stderr: result.stderr }).toEqual({ legacyUrl, code: 0, stderr: '' });
      return snapshot(target.url);
    };
    const fromDatabase = await migrate(setup.legacy.url);
    expect(fromDatabase.customers.length).toBeGreaterThan(200);
    expect(fromDatabase.rejects.length).toBeGreaterThan(0);
    expect(await migrate(`file://${backupDir('csv', false)}`)).toEqual(fromDatabase);
    expect(await migrate(`file://${backupDir('xlsx', true)}?key_env=CUTOVER_BACKUP_KEY`)).toEqual(fromDatabase);
  }, 90_000);
});

async function readRows(source: Source, table: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of source.read({ entity: { table, key: 'id' }, batchSize: 500 })) {
    expect(batch.rejects).toEqual([]);
    for (const row of batch.rows) rows.push(row.data);
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/** The target tables without generated uuids (references as the parent's legacy id), and the rejects. */
async function snapshot(url: string) {
  const query = (text: string) => queryPostgres(url, text);
  return {
    customers: await query('SELECT to_jsonb(c) - \'id\' AS row FROM public.customers c ORDER BY legacy_id'),
    opportunities: await query(`SELECT to_jsonb(o) - 'id' - 'customer_id' || jsonb_build_object('customer', c.legacy_id) AS row
        FROM public.opportunities o JOIN public.customers c ON c.id = o.customer_id ORDER BY o.legacy_id`),
    tickets: await query(`SELECT to_jsonb(t) - 'id' - 'customer_id' || jsonb_build_object('customer', c.legacy_id) AS row
        FROM public.tickets t LEFT JOIN public.customers c ON c.id = t.customer_id ORDER BY t.legacy_id`),
    merges: await query(`SELECT m.legacy_key, m.status, s.legacy_key AS survivor FROM cutover.id_map m
        LEFT JOIN cutover.id_map s ON s.entity = m.entity AND s.target_id = m.target_id AND s.status <> 'merged'
        WHERE m.entity = 'customers' ORDER BY m.legacy_key`),
    rejects: await query('SELECT entity, legacy_key, stage, reason, payload FROM cutover.rejects ORDER BY entity, legacy_key, stage, reason'),
  };
}
