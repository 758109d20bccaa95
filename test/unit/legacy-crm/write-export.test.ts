/**
 * The export files: they parse back (CSV with papaparse despite the BOM and quoted newlines, XLSX
 * with exceljs with real date cells, JSON Lines) to exactly the generated rows, and the same seed
 * writes the same bytes.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateLegacyCrm, type LegacyCrm } from '../../../scripts/legacy-crm/generate.js';
import { formatGroundTruth } from '../../../scripts/legacy-crm/ground-truth.js';
import { formatDateTime } from '../../../scripts/legacy-crm/legacy-clock.js';
import { columnNames } from '../../../scripts/legacy-crm/legacy-schema.js';
import { writeLegacyExport, type LegacyExport } from '../../../scripts/legacy-crm/write-export.js';

/** exceljs and its zip library stamp files with the current time; a fixed clock makes runs comparable. */
const WRITE_TIME = new Date('2026-07-01T08:00:00Z');

let dir: string;
let written: LegacyExport;
let crm: LegacyCrm;

async function exportAt(name: string, options: Parameters<typeof writeLegacyExport>[1] = {}): Promise<LegacyExport> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(WRITE_TIME);
  try {
    return await writeLegacyExport(path.join(dir, name), options);
  } finally {
    vi.useRealTimers();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-legacy-export-'));
  written = await exportAt('first');
  crm = generateLegacyCrm();
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A value as the CSV writer prints it: NULL empty, DATETIME as `yyyy-MM-dd HH:mm:ss`. */
function asText(value: unknown): string {
  return value === null ? '' : value instanceof Date ? formatDateTime(value.getTime()) : String(value);
}

describe('writeLegacyExport', () => {
  it('writes the four files and returns the ground truth', async () => {
    expect((await readdir(written.dir)).sort()).toEqual(['customers.csv', 'ground-truth.json', 'opportunities.xlsx', 'tickets.jsonl']);
    expect(written.counts).toEqual({ customers: 5000, opportunities: 8000, tickets: 12000 });
    expect(written.groundTruth).toEqual(crm.groundTruth());
    expect(await readFile(written.files.groundTruth, 'utf8')).toBe(formatGroundTruth(written.groundTruth));
  });

  it('writes customers.csv with a BOM, a header and every value back as written', async () => {
    const bytes = await readFile(written.files.customers);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.slice(1, text.indexOf('\r\n'))).toBe(columnNames('customers').join(','));
    // papaparse drops the BOM itself; quoted fields keep their CRLF and LF line breaks.
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, newline: '\r\n', skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(columnNames('customers'));
    expect(parsed.data).toHaveLength(5000);
    const differences: string[] = [];
    for (const [index, row] of crm.customers.entries()) {
      for (const column of columnNames('customers')) {
        const expected = asText(row[column as keyof typeof row]);
        if (parsed.data[index]![column] !== expected) differences.push(`id ${row.id} ${column}: ${JSON.stringify(parsed.data[index]![column])} ≠ ${JSON.stringify(expected)}`);
      }
    }
    expect(differences).toEqual([]);
    expect(crm.customers.some((row) => row.notes?.includes('\r\n') || row.notes?.includes('\n'))).toBe(true);
  });

  it('writes opportunities.xlsx with one sheet, date cells for DATETIME and text for text', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(written.files.opportunities);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['opportunities']);
    const sheet = workbook.worksheets[0]!;
    const columns = columnNames('opportunities');
    expect(columns.map((_, c) => sheet.getRow(1).getCell(c + 1).value)).toEqual(columns);
    expect(sheet.actualRowCount).toBe(8001);
    const differences: string[] = [];
    for (const row of crm.opportunities()) {
      const cells = sheet.getRow(row.id + 1);
      for (const [c, column] of columns.entries()) {
        const expected = row[column as keyof typeof row];
        const actual = cells.getCell(c + 1).value ?? null;
        const same = expected instanceof Date ? actual instanceof Date && actual.getTime() === expected.getTime() : actual === expected;
        if (!same) differences.push(`id ${row.id} ${column}: ${String(actual)} ≠ ${String(expected)}`);
      }
    }
    expect(differences).toEqual([]);
    // Text that looks like a number (`20210630`, `3 500`) stays text.
    const closeDates = [...crm.opportunities()].filter((row) => /^\d{8}$/.test(row.close_date ?? ''));
    expect(closeDates.length).toBeGreaterThan(0);
    expect(typeof sheet.getRow(closeDates[0]!.id + 1).getCell(columns.indexOf('close_date') + 1).value).toBe('string');
  });

  it('writes tickets.jsonl with one object per line, NULL as null', async () => {
    const lines = (await readFile(written.files.tickets, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(12000);
    const differences: string[] = [];
    for (const row of crm.tickets()) {
      const parsed = JSON.parse(lines[row.id - 1]!) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(columnNames('tickets'));
      for (const [column, value] of Object.entries(row)) {
        const expected = value instanceof Date ? formatDateTime(value.getTime()) : value;
        if (parsed[column] !== expected) differences.push(`id ${row.id} ${column}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('writes the same bytes for the same seed, and other bytes for another seed', async () => {
    const again = await exportAt('second');
    for (const file of Object.keys(again.files) as (keyof LegacyExport['files'])[]) {
      expect((await readFile(again.files[file])).equals(await readFile(written.files[file])), file).toBe(true);
    }
    const other = await exportAt('other-seed', { seed: 43 });
    expect((await readFile(other.files.customers)).equals(await readFile(written.files.customers))).toBe(false);
    expect((await readFile(other.files.tickets)).equals(await readFile(written.files.tickets))).toBe(false);
  }, 60_000);
});
