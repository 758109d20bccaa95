/** The reconciliation report for machines: the whole model, as it is. */
import type { ReconcileReport } from './reconcile-report.js';

export function renderJsonReport(report: ReconcileReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
