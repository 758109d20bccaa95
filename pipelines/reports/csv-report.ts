/**
 * The reconciliation report as one CSV file (RFC 4180, CRLF, UTF-8 with a byte-order mark so that
 * Excel reads Chinese text right): one flat table whose `section` column says what a line is.
 */
import { csvLine } from '../../connectors/file/file-writer.js';
import { guardFormula } from '../../connectors/file/formula-guard.js';
import type { ReconcileReport, ReportValue } from './reconcile-report.js';

/** What a CSV line is: the verdict (first line), an entity's equation, a value difference, a reject. */
export const CSV_SECTIONS = ['verdict', 'summary', 'difference', 'reject'] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

/** Columns of the CSV report, in order; a line fills those of its section and leaves the others empty. */
export const CSV_COLUMNS = [
  'section', 'entity', 'status',
  'source_rows', 'loaded', 'merged', 'filtered', 'rejected', 'unaccounted', 'target_expected', 'target_actual', 'rows_compared', 'differing_rows',
  'key', 'field', 'difference', 'source_value', 'target_value',
  'stage', 'reason', 'origin',
  'note',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
type CsvRecord = Partial<Record<CsvColumn, ReportValue>> & { section: CsvSection };

/** The whole file as text, starting with the byte-order mark. */
export function renderCsvReport(report: ReconcileReport): string {
  let text = '\uFEFF' + csvLine(CSV_COLUMNS);
  for (const record of csvRecords(report)) text += csvLine(CSV_COLUMNS.map((column) => cellText(record[column])));
  return text;
}

function* csvRecords(report: ReconcileReport): Generator<CsvRecord> {
  yield { section: 'verdict', status: report.reconciled ? 'reconciled' : 'NOT reconciled', note: `${report.project}, ${report.generatedAt}, ${report.scope}: ${report.verdict}` };
  for (const e of report.entities) {
    const notes = [...e.findings];
    if (e.values?.note) notes.push(e.values.note);
    if (e.values && e.values.differingRowsNotListed > 0) notes.push(`${e.values.differingRowsNotListed} differing rows not listed`);
    if (e.rejects.notListed > 0) notes.push(`${e.rejects.notListed} rejects not listed (cutover rejects list --entity ${e.entity} has them all)`);
    yield {
      section: 'summary', entity: e.entity, status: e.ok ? 'ok' : 'DIFFERS',
      source_rows: e.source, loaded: e.loaded, merged: e.merged, filtered: e.filtered, rejected: e.rejected, unaccounted: e.unaccounted,
      target_expected: e.target.expected, target_actual: e.target.actual,
      rows_compared: e.values?.compared ? e.values.rowsCompared : null, differing_rows: e.values?.compared ? e.values.differingRows : null,
      note: notes.join('; ') || null,
    };
  }
  for (const e of report.entities) {
    for (const d of e.values?.differences ?? []) yield { section: 'difference', entity: e.entity, key: d.key, field: d.field, difference: d.kind, source_value: d.source, target_value: d.target };
  }
  for (const e of report.entities) {
    for (const r of e.rejects.listed) yield { section: 'reject', entity: e.entity, key: r.key, stage: r.stage, reason: r.reason, origin: r.origin };
  }
}

/** A cell's text; text a spreadsheet would run as a formula is guarded (formula-guard.ts). JSON carries the exact value. */
function cellText(value: ReportValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? guardFormula(value) : String(value);
}
