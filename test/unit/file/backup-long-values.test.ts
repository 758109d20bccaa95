/**
 * A backup's CSV is written by cutover, so a long quoted value in it is real: it reads back whole,
 * however many lines it holds, where an export's quote would be taken for one never closed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { backupCsvLine } from '../../../connectors/file/backup-values.js';
import { fileConnector } from '../../../connectors/file/file-connector.js';
import { readAll } from '../../contract/source-contract.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-backup-long-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

it('reads back a value of 5000 lines from a backup CSV as one value', async () => {
  const body = Array.from({ length: 5000 }, (_, i) => `line ${i}, "quoted"`).join('\r\n');
  const text = backupCsvLine(['id', 'body']) + backupCsvLine([1, body]) + backupCsvLine([2, '']);
  await writeFile(path.join(folder, 'notes.csv'), text);
  const manifest = {
    manifestVersion: 1, cutoverVersion: '0.1.0', createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:01.000Z',
    sources: [{ name: 'legacy', url: 'mysql://root:***@db:3306/legacy_crm' }], format: 'csv', encryption: null,
    files: [{
      table: 'notes', connection: 'legacy', file: 'notes.csv', key: 'id', orderBy: ['id'],
      columns: [{ name: 'id', type: 'int', nullable: false, kind: 'number' }, { name: 'body', type: 'text', nullable: true, kind: 'text' }],
      rows: 2, bytes: Buffer.byteLength(text), sha256: 'ab', sourceRows: 2,
    }],
  };
  await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
  const source = fileConnector.createSource!(fileConnector.parseConfig(parseConnectionUrl(`file://${folder}`), { baseDir: '/' }));
  const { rows, rejects } = await readAll(source, { entity: { table: 'notes', key: 'id' }, batchSize: 10 });
  expect(rejects).toEqual([]);
  expect(rows.map((r) => r.data)).toEqual([
    { id: 1, body },
    { id: 2, body: '' },
  ]);
});

it('keeps values a spreadsheet would run exactly as they are: a backup is data, read back and checksummed, not guarded', async () => {
  const values = ['=1+1', '+862148631096', '-2', '@x', '\tx', "'=1+1"];
  const text = backupCsvLine(['id', 'body']) + values.map((v, i) => backupCsvLine([i + 1, v])).join('');
  const dir = path.join(folder, 'formulas');
  await mkdir(dir);
  await writeFile(path.join(dir, 'notes.csv'), text);
  const manifest = {
    manifestVersion: 1, cutoverVersion: '0.1.0', createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:01.000Z',
    sources: [{ name: 'legacy', url: 'mysql://root:***@db:3306/legacy_crm' }], format: 'csv', encryption: null,
    files: [{
      table: 'notes', connection: 'legacy', file: 'notes.csv', key: 'id', orderBy: ['id'],
      columns: [{ name: 'id', type: 'int', nullable: false, kind: 'number' }, { name: 'body', type: 'text', nullable: true, kind: 'text' }],
      rows: values.length, bytes: Buffer.byteLength(text), sha256: 'ab', sourceRows: values.length,
    }],
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const source = fileConnector.createSource!(fileConnector.parseConfig(parseConnectionUrl(`file://${dir}`), { baseDir: '/' }));
  const { rows } = await readAll(source, { entity: { table: 'notes', key: 'id' }, batchSize: 10 });
  expect(rows.map((r) => r.data.body)).toEqual(values);
  expect(text.split('\r\n').slice(1, 3)).toEqual(['1,=1+1', '2,+862148631096']); // written as given: no apostrophe
});
