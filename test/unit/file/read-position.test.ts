/**
 * File sources tell how far a read is: each batch carries the bytes taken in against the file's
 * size (for a workbook, the sheet's compressed entry), so the progress line has a percentage from
 * the first batch. Positions only grow, stay within the size, and the last batch ends at it.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { backupCsvLine } from '../../../connectors/file/backup-values.js';
import { CsvSource } from '../../../connectors/file/csv-source.js';
import { fileConnector } from '../../../connectors/file/file-connector.js';
import { createFileWriter } from '../../../connectors/file/file-writer.js';
import { JsonSource } from '../../../connectors/file/json-source.js';
import { JsonlSource } from '../../../connectors/file/jsonl-source.js';
import { readZipDirectory } from '../../../connectors/file/zip-entries.js';
import { XlsxSource } from '../../../connectors/file/xlsx-source.js';
import type { ReadPosition, Source } from '../../../connectors/types.js';

const ROWS = 3_000;
const row = (i: number) => ({ id: String(i), name: `Customer ${i} with a name long enough to fill a few chunks of the file` });

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-read-position-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function positions(source: Source): Promise<{ positions: (ReadPosition | undefined)[]; rows: number }> {
  const seen: (ReadPosition | undefined)[] = [];
  let rows = 0;
  for await (const batch of source.read({ entity: { table: 'customers', key: 'id' }, batchSize: 500 })) {
    seen.push(batch.position);
    rows += batch.rows.length;
  }
  return { positions: seen, rows };
}

function expectGrowingToTotal(seen: (ReadPosition | undefined)[], total: number): void {
  expect(seen.length).toBeGreaterThan(2);
  for (const position of seen) expect(position?.total).toBe(total);
  const done = seen.map((position) => position!.done);
  for (let i = 1; i < done.length; i++) expect(done[i]!).toBeGreaterThanOrEqual(done[i - 1]!);
  // The first batch is a fraction of the file, not all of it: a percentage from the first batch.
  expect(done[0]!).toBeGreaterThan(0);
  expect(done[0]!).toBeLessThan(total);
  expect(done.at(-1)).toBe(total);
}

const lines = (count: number, format: (i: number) => string) => Array.from({ length: count }, (_, i) => format(i + 1)).join('\n') + '\n';

describe('each batch of a file carries its position in the file', () => {
  it('CSV: bytes read against the file size', async () => {
    const file = path.join(folder, 'customers.csv');
    await writeFile(file, 'id,name\n' + lines(ROWS, (i) => `${row(i).id},${row(i).name}`));
    const { positions: seen, rows } = await positions(new CsvSource(file));
    expect(rows).toBe(ROWS);
    expectGrowingToTotal(seen, (await stat(file)).size);
  });

  it('JSON Lines', async () => {
    const file = path.join(folder, 'customers.jsonl');
    await writeFile(file, lines(ROWS, (i) => JSON.stringify(row(i))));
    const { positions: seen, rows } = await positions(new JsonlSource(file));
    expect(rows).toBe(ROWS);
    expectGrowingToTotal(seen, (await stat(file)).size);
  });

  it('a JSON array', async () => {
    const file = path.join(folder, 'customers.json');
    await writeFile(file, JSON.stringify(Array.from({ length: ROWS }, (_, i) => row(i + 1)), null, 1));
    const { positions: seen, rows } = await positions(new JsonSource(file));
    expect(rows).toBe(ROWS);
    expectGrowingToTotal(seen, (await stat(file)).size);
  });

  it('XLSX: the sheet entry, compressed bytes against its compressed size', async () => {
    const file = path.join(folder, 'customers.xlsx');
    const writer = await createFileWriter(file, { format: 'xlsx', columns: ['id', 'name'], sheetName: 'customers' });
    // Random-ish names so that the sheet does not deflate to one chunk.
    await writer.write(Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, name: `${row(i + 1).name} ${Math.sin(i).toString(36)}` })));
    await writer.close();
    const sheet = [...(await readZipDirectory(file)).values()].find((entry) => /^xl\/worksheets\/sheet\d+\.xml$/.test(entry.name))!;
    const { positions: seen, rows } = await positions(new XlsxSource(file));
    expect(rows).toBe(20_000);
    expectGrowingToTotal(seen, sheet.compressedSize);
  });

  it('a backup folder read as a source: the stored bytes of its file', async () => {
    const dir = path.join(folder, 'backup');
    await mkdir(dir);
    const text = backupCsvLine(['id', 'name']) + Array.from({ length: ROWS }, (_, i) => backupCsvLine([i + 1, row(i + 1).name])).join('');
    await writeFile(path.join(dir, 'customers.csv'), text);
    const manifest = {
      manifestVersion: 1, cutoverVersion: '0.1.0', createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:01.000Z',
      sources: [{ name: 'legacy', url: 'mysql://root:***@db:3306/legacy_crm' }], format: 'csv', encryption: null,
      files: [{
        table: 'customers', connection: 'legacy', file: 'customers.csv', key: 'id', orderBy: ['id'],
        columns: [{ name: 'id', type: 'int', nullable: false, kind: 'number' }, { name: 'name', type: 'text', nullable: true, kind: 'text' }],
        rows: ROWS, bytes: Buffer.byteLength(text), sha256: 'ab', sourceRows: ROWS,
      }],
    };
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const source = fileConnector.createSource!(fileConnector.parseConfig(parseConnectionUrl(`file://${dir}`), { baseDir: '/' }));
    const { positions: seen, rows } = await positions(source);
    expect(rows).toBe(ROWS);
    expectGrowingToTotal(seen, Buffer.byteLength(text));
  });

  it('an empty file gives no position (nothing to measure against) and no batch', async () => {
    const file = path.join(folder, 'empty.jsonl');
    await writeFile(file, '');
    expect(await positions(new JsonlSource(file))).toEqual({ positions: [], rows: 0 });
  });
});
