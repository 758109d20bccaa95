/**
 * Formula protection in the CSV files a person opens (formula-guard.ts): what is guarded, that every
 * value comes back exactly once the guard is taken off, and that the record writers apply it to CSV
 * only when asked (rejects, review files) and never need it in XLSX, whose string cells stay text.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileWriter, createStreamWriter } from '../../../connectors/file/file-writer.js';
import { guardFormula, unguardFormula } from '../../../connectors/file/formula-guard.js';
import { decodeOoxmlEscapes } from '../../../connectors/file/xlsx-cell-value.js';
import { openZipEntry, readZipDirectory } from '../../../connectors/file/zip-entries.js';

/** The values every CSV output is fed: a formula, a phone number, a negative number, an at-sign, a tab and a CR first. */
const FORMULA_VALUES = ['=1+1', '+862148631096', '-2', '@x', '\tx', '\r=1'] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-formula-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('guardFormula', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+862148631096', "'+862148631096"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['\r=1', "'\r=1"],
    ['-1+1', "'-1+1"],
    ['-', "'-"],
    ['+2', "'+2"],
    // Already starting with an apostrophe before a trigger: one more, so that it reads back as it was.
    ["'=1+1", "''=1+1"],
  ])('guards %j as %j', (value, guarded) => {
    expect(guardFormula(value)).toBe(guarded);
  });

  it.each(['-2', '-0.5', '-12.50', '-1.5e-7', '-.5'])('leaves the negative number %j as it is: a spreadsheet reads it as that number', (value) => {
    expect(guardFormula(value)).toBe(value);
  });

  it.each(['', 'Acme', "'abc", "'", '2', '1+1', ' =1', '华为', '{"a":1}'])('leaves %j as it is', (value) => {
    expect(guardFormula(value)).toBe(value);
  });

  it('gives every value back exactly when the guard is taken off (every string of up to 4 characters over the characters that matter)', () => {
    const alphabet = ["'", '=', '+', '-', '@', '\t', '\r', '2', '.', 'a'];
    let strings = [''];
    let checked = 0;
    for (let length = 1; length <= 4; length++) {
      strings = strings.flatMap((prefix) => alphabet.map((char) => prefix + char));
      for (const value of strings) {
        const guarded = guardFormula(value);
        expect(unguardFormula(guarded), JSON.stringify(value)).toBe(value);
        // Nothing a spreadsheet runs is left unguarded, except a plain negative number.
        if (/^[=+\-@\t\r]/.test(guarded)) expect(guarded, JSON.stringify(value)).toMatch(/^-(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/);
        checked++;
      }
    }
    expect(checked).toBe(10 + 100 + 1000 + 10000);
  });
});

describe('the record writers', () => {
  const columns = ['key', 'value', 'amount'];
  const rows = FORMULA_VALUES.map((value, i) => ({ key: value, value: `${value} as text`, amount: -i }));

  it('guard the CSV cells a spreadsheet would run, when asked, and those cells read back exactly', async () => {
    const file = path.join(dir, 'guarded.csv');
    const writer = await createFileWriter(file, { format: 'csv', columns, bom: true, guardFormulas: true });
    await writer.write(rows);
    await writer.close();
    const parsed = Papa.parse<Record<string, string>>((await readFile(file, 'utf8')).slice(1), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((r) => r.key)).toEqual(["'=1+1", "'+862148631096", '-2', "'@x", "'\tx", "'\r=1"]);
    expect(parsed.data.map((r) => r.amount)).toEqual(['0', '-1', '-2', '-3', '-4', '-5']);
    expect(parsed.data.map((r) => unguardFormula(r.key!))).toEqual([...FORMULA_VALUES]);
    expect(parsed.data.map((r) => unguardFormula(r.value!))).toEqual(rows.map((r) => r.value));
  });

  it('write data files exactly when not asked (exports and hand-offs read by programs)', async () => {
    const file = path.join(dir, 'exact.csv');
    const writer = await createFileWriter(file, { format: 'csv', columns });
    await writer.write(rows);
    await writer.close();
    const parsed = Papa.parse<Record<string, string>>(await readFile(file, 'utf8'), { header: true, skipEmptyLines: true });
    expect(parsed.data.map((r) => r.key)).toEqual([...FORMULA_VALUES]);
  });

  it('write XLSX string cells, never formulas, whatever their first character (to a file and to a stream)', async () => {
    const file = path.join(dir, 'cells.xlsx');
    const writer = await createFileWriter(file, { format: 'xlsx', columns, guardFormulas: true });
    await writer.write(rows);
    await writer.close();
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const streamed = await createStreamWriter(stream, { format: 'xlsx', columns });
    await streamed.write(rows);
    await streamed.close();
    expect(stream.writableEnded).toBe(false); // stdout stays open after the workbook
    for (const source of [file, Buffer.concat(chunks)]) {
      const workbook = new ExcelJS.Workbook();
      if (typeof source === 'string') await workbook.xlsx.readFile(source);
      else await workbook.xlsx.load(source as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const keys = FORMULA_VALUES.map((_, i) => sheet.getRow(i + 2).getCell(1));
      // A CR is carried as Excel's escape `_x000D_` (XML would turn it into LF), which cutover's reader decodes.
      expect(keys.map((cell) => decodeOoxmlEscapes(String(cell.value)))).toEqual([...FORMULA_VALUES]);
      expect(keys.map((cell) => cell.type)).toEqual(FORMULA_VALUES.map(() => ExcelJS.ValueType.String));
    }
    // And in the sheet's XML: no formula element anywhere.
    const entries = await readZipDirectory(file);
    const sheetXml = await openZipEntry(file, entries.get('xl/worksheets/sheet1.xml')!, 'utf8');
    let xml = '';
    for await (const chunk of sheetXml) xml += String(chunk);
    expect(xml).toContain('=1+1');
    expect(xml).not.toMatch(/<f[ >]/);
  });

  it('write CSV to a stream that stays open, header first even when there are no rows', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const writer = await createStreamWriter(stream, { format: 'csv', columns, guardFormulas: true });
    await writer.close();
    expect(text).toBe('key,value,amount\r\n');
    expect(stream.writableEnded).toBe(false);
  });
});
