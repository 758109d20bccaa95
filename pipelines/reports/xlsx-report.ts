/**
 * The reconciliation report as an Excel workbook: `Summary` (the equation per entity and the
 * verdict), `Differences` and `Rejects`, each with a frozen bold header row, an autofilter and
 * columns as wide as their content (within bounds); counts are number cells.
 */
import { PassThrough } from 'node:stream';
import type ExcelJS from 'exceljs';
import { loadExcelJs } from '../../connectors/file/load-exceljs.js';
import type { ReconcileReport, ReportValue } from './reconcile-report.js';
import { displayWidth } from './text-table.js';

/** Sheet names, in workbook order. */
export const XLSX_SHEETS = ['Summary', 'Differences', 'Rejects'] as const;

/** Excel's limit on the characters in one cell. */
const MAX_CELL_TEXT = 32_767;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
const OK_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD8F0DC' } };
const DIFFERS_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF8D7DA' } };

type Cell = string | number | boolean | null;

interface Sheet {
  readonly name: (typeof XLSX_SHEETS)[number];
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Column (0-based) holding ok/DIFFERS, to colour. */
  readonly statusColumn?: number;
  /** Lines below the table (not filtered), label and text. */
  readonly footer?: readonly (readonly [string, string])[];
}

/** The workbook's bytes; the model is bounded (rejects and differences are capped), so is this. */
export async function renderXlsxReport(report: ReconcileReport): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  const ExcelJS = await loadExcelJs();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: true });
  workbook.creator = 'cutover';
  workbook.created = new Date(report.generatedAt);
  for (const sheet of sheetsOf(report)) writeSheet(workbook, sheet);
  await workbook.commit();
  await finished;
  return Buffer.concat(chunks);
}

function sheetsOf(report: ReconcileReport): Sheet[] {
  const summary: Sheet = {
    name: 'Summary',
    header: ['entity', 'source', 'loaded', 'merged', 'filtered', 'rejected', 'unaccounted', 'target expected', 'target actual', 'rows compared', 'rows differing', 'status', 'rejects not listed', 'findings'],
    rows: report.entities.map((e) => [
      e.entity, e.source, e.loaded, e.merged, e.filtered, e.rejected, e.unaccounted, e.target.expected, e.target.actual,
      e.values?.compared ? e.values.rowsCompared : null, e.values?.compared ? e.values.differingRows : null,
      e.ok ? 'ok' : 'DIFFERS', e.rejects.notListed, [...e.findings, ...(e.values?.note ? [e.values.note] : [])].join('; ') || null,
    ]),
    statusColumn: 11,
    footer: [
      ['verdict', report.verdict],
      ['reconciled', report.reconciled ? 'yes' : 'NO'],
      ['compared', report.scope],
      ['project', report.project],
      ['generated at', report.generatedAt],
    ],
  };
  const differences: Sheet = {
    name: 'Differences',
    header: ['entity', 'key', 'field', 'difference', 'source value', 'target value'],
    rows: report.entities.flatMap((e) => (e.values?.differences ?? []).map((d) => [e.entity, d.key, d.field, d.kind, d.source, d.target])),
  };
  const rejects: Sheet = {
    name: 'Rejects',
    header: ['entity', 'legacy key', 'stage', 'reason', 'origin'],
    rows: report.entities.flatMap((e) => e.rejects.listed.map((r) => [e.entity, r.key, r.stage, r.reason, r.origin])),
  };
  return [summary, differences, rejects];
}

function writeSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, sheet: Sheet): void {
  const worksheet = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
  // The streaming writer needs the widths before the first row is committed: measure everything first.
  worksheet.columns = sheet.header.map((name, column) => ({
    header: name,
    width: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, ...[name, ...sheet.rows.map((row) => row[column])].map((cell) => widthOf(cell) + 2))),
  }));
  worksheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, sheet.rows.length + 1), column: sheet.header.length } };
  const header = worksheet.getRow(1);
  header.font = { bold: true };
  header.commit();
  for (const values of sheet.rows) {
    const row = worksheet.addRow(values.map(cellValue));
    if (sheet.statusColumn !== undefined) row.getCell(sheet.statusColumn + 1).fill = values[sheet.statusColumn] === 'ok' ? OK_FILL : DIFFERS_FILL;
    for (const [index, value] of values.entries()) if (typeof value === 'number') row.getCell(index + 1).numFmt = '#,##0';
    row.commit();
  }
  if (sheet.footer) {
    worksheet.addRow([]).commit();
    for (const [label, text] of sheet.footer) {
      const row = worksheet.addRow([label, text]);
      row.getCell(1).font = { bold: true };
      row.commit();
    }
  }
  worksheet.commit();
}

function cellValue(value: ReportValue): ExcelJS.CellValue {
  if (typeof value !== 'string') return value;
  return value.length > MAX_CELL_TEXT ? `${value.slice(0, MAX_CELL_TEXT - 1)}…` : value;
}

function widthOf(cell: Cell | undefined): number {
  if (cell === null || cell === undefined) return 0;
  if (typeof cell === 'number') return cell.toLocaleString('en-US').length;
  // Only the first line and the first MAX_WIDTH characters can matter for a bounded width.
  return displayWidth(String(cell).split('\n', 1)[0]!.slice(0, MAX_WIDTH));
}
