import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { renderXlsxReport, XLSX_SHEETS } from '../../../pipelines/reports/xlsx-report.js';
import { HOSTILE_SUBJECT, sampleReport } from './report-fixture.js';

describe('the XLSX report', () => {
  const load = async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderXlsxReport(sampleReport())) as unknown as ArrayBuffer);
    return workbook;
  };

  it('has the Summary, Differences and Rejects sheets, each with a frozen header and an autofilter', async () => {
    const workbook = await load();
    expect(workbook.worksheets.map((s) => s.name)).toEqual([...XLSX_SHEETS]);
    for (const sheet of workbook.worksheets) {
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.autoFilter).toBeTruthy();
      expect(sheet.getRow(1).font?.bold).toBe(true);
    }
    expect(workbook.getWorksheet('Differences')!.getRow(1).values).toEqual([undefined, 'entity', 'key', 'field', 'difference', 'source value', 'target value']);
    expect(workbook.getWorksheet('Rejects')!.getRow(1).values).toEqual([undefined, 'entity', 'legacy key', 'stage', 'reason', 'origin']);
  });

  it('writes the equation as number cells and the verdict under the table', async () => {
    const summary = (await load()).getWorksheet('Summary')!;
    expect(summary.getRow(1).values).toEqual([
      undefined, 'entity', 'source', 'loaded', 'merged', 'filtered', 'rejected', 'unaccounted', 'target expected', 'target actual', 'rows compared', 'rows differing', 'status', 'rejects not listed', 'findings',
    ]);
    expect((summary.getRow(3).values as unknown[]).slice(1, 14)).toEqual(['tickets', 1000, 900, 0, 50, 3, 47, 900, 901, 900, 4, 'DIFFERS', 1]);
    expect(summary.getRow(2).getCell(2).type).toBe(ExcelJS.ValueType.Number);
    const labels = Array.from({ length: summary.rowCount }, (_, i) => summary.getRow(i + 1).getCell(1).value);
    const verdictRow = labels.indexOf('verdict') + 1;
    expect(verdictRow).toBeGreaterThan(3);
    expect(summary.getRow(verdictRow).getCell(2).value).toBe(sampleReport().verdict);
  });

  it('keeps text from user data as text, and fits column widths to the content within bounds', async () => {
    const workbook = await load();
    const differences = workbook.getWorksheet('Differences')!;
    expect(differences.getRow(2).getCell(5).value).toBe(HOSTILE_SUBJECT);
    expect(differences.getRow(2).getCell(6).value).toBe('=HYPERLINK("http://evil")');
    expect(differences.getRow(2).getCell(6).type).toBe(ExcelJS.ValueType.String);
    expect(differences.getRow(3).getCell(6).value).toBe(12.5);
    // exceljs reads Excel's default width (9) back as undefined.
    const widths = workbook.getWorksheet('Rejects')!.columns.map((c) => c.width ?? 9);
    expect(widths.every((w) => w >= 8 && w <= 60)).toBe(true);
    expect(widths[3]).toBeGreaterThan(widths[2]!); // reason is wider than stage
  });
});
