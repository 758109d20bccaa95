/** The reconciliation report for machines: the whole model, as it is. */
import type { ReconcileReport } from './reconcile-report.js';

/** The model as indented JSON; values are already JSON-safe (see `reportValue`). */
export function renderJsonReport(report: ReconcileReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
