/** The formats of the reconciliation report, every one rendered from the same {@link ReconcileReport}. */
import { renderCsvReport } from './csv-report.js';
import { renderHtmlReport } from './html-report.js';
import { renderJsonReport } from './json-report.js';
import type { ReconcileReport } from './reconcile-report.js';
import { renderReconcileReport } from './terminal.js';
import { renderXlsxReport } from './xlsx-report.js';

/** `--format` of `cutover reconcile`; the same array feeds the help text and the error message. */
export const REPORT_FORMATS = ['terminal', 'json', 'csv', 'xlsx', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Formats that are not text: never printed to a terminal. */
export const BINARY_REPORT_FORMATS: readonly ReportFormat[] = ['xlsx'];

/** The report in `format`: text, or bytes for the binary formats. */
export async function renderReport(report: ReconcileReport, format: ReportFormat): Promise<string | Buffer> {
  switch (format) {
    case 'terminal':
      return renderReconcileReport(report);
    case 'json':
      return renderJsonReport(report);
    case 'csv':
      return renderCsvReport(report);
    case 'xlsx':
      return renderXlsxReport(report);
    case 'html':
      return renderHtmlReport(report);
  }
}
