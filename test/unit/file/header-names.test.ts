/**
 * Header names as people type them: `id, given_name` in a CSV or an XLSX header has a column
 * `given_name`; `describe()` says how the cell was written (the run warns with it); names equal
 * once trimmed are refused; a backup's XLSX keeps its columns exactly. Names in messages are
 * quoted so that spaces, tabs and the like are seen.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvSource } from '../../../connectors/file/csv-source.js';
import { XlsxSource } from '../../../connectors/file/xlsx-source.js';
import { quoteName } from '../../../connectors/shown-name.js';
import type { SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-headers-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const entity: SourceEntity = { table: 'ignored', key: 'id' };

async function csv(name: string, text: string): Promise<CsvSource> {
  const file = path.join(folder, name);
  await writeFile(file, text);
  return new CsvSource(file);
}

async function xlsx(name: string, rows: unknown[][], options: { trimHeader?: boolean } = {}): Promise<XlsxSource> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('data');
  for (const row of rows) sheet.addRow(row);
  const file = path.join(folder, name);
  await book.xlsx.writeFile(file);
  return new XlsxSource(file, options);
}

describe('CSV header names', () => {
  it('are trimmed of spaces, tabs, non-breaking and ideographic spaces and a stray byte-order mark; values are not', async () => {
    const source = await csv('spaced.csv', 'id, given_name ,\temail,\u00a0city\u3000,\ufeffnote\n1, Ann ,a@x.test,Berlin, n \n');
    const { rows } = await readAll(source, { entity, batchSize: 10 });
    expect(rows.map((row) => row.data)).toEqual([{ id: '1', given_name: ' Ann ', email: 'a@x.test', city: 'Berlin', note: ' n ' }]);
    expect(await source.describe(entity)).toEqual([
      { name: 'id', type: 'text', nullable: true },
      { name: 'given_name', type: 'text', nullable: true, header: ' given_name ' },
      { name: 'email', type: 'text', nullable: true, header: '\temail' },
      { name: 'city', type: 'text', nullable: true, header: '\u00a0city\u3000' },
      { name: 'note', type: 'text', nullable: true, header: '\ufeffnote' },
    ]);
  });

  it('that are equal once trimmed are refused, naming both as written', async () => {
    const source = await csv('twice.csv', 'id,name, name\n1,a,b\n');
    await expect(readAll(source, { entity, batchSize: 10 })).rejects.toThrow(
      'twice.csv:1: the header has duplicate column names `name` (positions 2, 3; written `name`, ` name`); every row would be ambiguous. Name each column once in the file\'s header',
    );
  });

  it('are quoted in the key column error, so that what is not there is seen', async () => {
    const source = await csv('nokey.csv', 'ID,name\n1,a\n');
    await expect(readAll(source, { entity, batchSize: 10 })).rejects.toThrow('nokey.csv:1: the key column `id` is not in the header (columns: `ID`, `name`)');
  });
});

describe('XLSX header names', () => {
  it('are trimmed, and describe() tells how they were written', async () => {
    const source = await xlsx('spaced.xlsx', [[' id', 'name '], [1, ' Ann ']]);
    expect((await readAll(source, { entity, batchSize: 10 })).rows.map((row) => row.data)).toEqual([{ id: 1, name: ' Ann ' }]);
    expect(await source.describe(entity)).toEqual([
      { name: 'id', type: 'cell', nullable: true, header: ' id' },
      { name: 'name', type: 'cell', nullable: true, header: 'name ' },
    ]);
  });

  it('that are equal once trimmed are refused', async () => {
    const source = await xlsx('twice.xlsx', [['id', 'name', 'name '], [1, 'a', 'b']]);
    await expect(source.describe(entity)).rejects.toThrow('twice.xlsx!data:1: the header has duplicate column names `name` (positions 2, 3; written `name`, `name `)');
  });

  it('are kept exactly for a backup (trimHeader: false): its columns are the database\'s own names', async () => {
    const source = await xlsx('backup.xlsx', [['id', ' padded'], [1, 'x']], { trimHeader: false });
    expect((await readAll(source, { entity, batchSize: 10 })).rows.map((row) => row.data)).toEqual([{ id: 1, ' padded': 'x' }]);
    expect(await source.describe(entity)).toEqual([
      { name: 'id', type: 'cell', nullable: true },
      { name: ' padded', type: 'cell', nullable: true },
    ]);
  });
});

describe('quoteName', () => {
  it.each([
    ['given_name', '`given_name`'],
    [' given_name', '` given_name`'],
    ['a b', '`a b`'],
    ['\temail', '`\\temail`'],
    ['city\u00a0', '`city\\u00a0`'],
    ['\u3000名称', '`\\u3000名称`'],
    ['\ufeffid', '`\\ufeffid`'],
    ['zero\u200bwidth', '`zero\\u200bwidth`'],
  ])('quotes %j as %s', (name, quoted) => {
    expect(quoteName(name)).toBe(quoted);
  });
});
