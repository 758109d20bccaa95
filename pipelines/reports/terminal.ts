/** What a person reads at the end of a command: the run's ledger and the reconciliation equation. */
import type { EntityReconciliation, Reconciliation } from '../reconcile/counts.js';
import type { ProjectPlan } from '../runner/plan-project.js';
import type { RunSummary } from '../runner/run-project.js';
import { unaccounted } from '../state/ledger.js';
import { isValueDifference, type EntityReport, type ReconcileReport } from './reconcile-report.js';
import { renderTable } from './text-table.js';

export function renderRunSummary(summary: RunSummary): string {
  // Deletions are shown once a run has any: most runs have none, and the table stays narrow.
  const deletions = summary.ledgers.some((l) => l.deleted + l.sourceDeleted > 0);
  const rows = summary.ledgers.map((l) => [
    ...[l.entity, l.read, l.inserted, l.updated, l.unchanged, l.merged, l.rejected, l.filtered, unaccounted(l)],
    ...(deletions ? [l.sourceDeleted, l.deleted] : []),
  ]);
  const headers = ['entity', 'read', 'inserted', 'updated', 'unchanged', 'merged', 'rejected', 'filtered', 'unaccounted'];
  const table = renderTable(deletions ? [...headers, 'gone from source', 'deleted/archived in target'] : headers, rows);
  const read = summary.ledgers.reduce((sum, l) => sum + l.read, 0);
  const rate = summary.seconds > 0 ? Math.round(read / summary.seconds).toLocaleString('en-US') : '-';
  return `Run ${summary.runId} (${summary.mode}) finished in ${summary.seconds.toFixed(1)} s, ${rate} rows/s\n\n${table}\n`;
}

export function renderReconciliation(reconciliation: Reconciliation): string {
  const verdict = reconciliation.reconciled
    ? 'Reconciled: every source row is loaded, merged, filtered or rejected with a reason (unaccounted = 0).'
    : 'NOT reconciled: see the rows marked DIFFERS (unaccounted rows were never processed or were deleted from the source since; a target count that differs means rows were changed outside cutover).';
  return `${equationTable(reconciliation.project, reconciliation.entities)}\n\n${verdict}\n`;
}

function equationTable(project: string, entities: readonly EntityReconciliation[]): string {
  const rows = entities.map((e) => [
    e.entity,
    e.source,
    e.loaded,
    e.merged,
    e.filtered,
    e.rejected,
    e.unaccounted,
    `${e.target.expected.toLocaleString('en-US')} / ${e.target.actual === null ? 'not available' : e.target.actual.toLocaleString('en-US')}`,
    e.reconciled ? 'ok' : 'DIFFERS',
  ] as const);
  const table = renderTable(['entity', 'source', 'loaded', 'merged', 'filtered', 'rejected', 'unaccounted', 'target rows (expected / actual)', 'status'], rows);
  return `Reconciliation of ${project}: source = loaded + merged + filtered + rejected\n\n${table}`;
}

/** Differences shown per entity on a terminal; the file formats list more. */
const TERMINAL_DIFFERENCES = 20;

/** The reconciliation report for a terminal: the equation, the values check, where the rejects are, the verdict. */
export function renderReconcileReport(report: ReconcileReport): string {
  const parts = report.entities.length > 0 ? [equationTable(report.project, report.entities)] : [];
  const busy = report.inProgress?.notCompared ?? [];
  if (busy.length > 0) {
    const run = `in progress (run ${report.inProgress!.run.runId ?? '?'})`;
    parts.push(renderTable(['entity', 'status', 'batches committed', 'rows committed so far', 'compared'], busy.map((e) => [e.entity, `${run}: ${e.state}`, e.batches, e.committedRows, 'no'])));
  }
  if (report.scope === 'counts and values') parts.push(renderValues(report.entities));
  const rejected = report.entities.filter((e) => e.rejected > 0);
  if (rejected.length > 0) {
    parts.push(
      `Rejected rows (${rejected.map((e) => `${e.entity} ${e.rejected.toLocaleString('en-US')}`).join(', ')}) are listed with their reasons by --format html, xlsx, csv or json, and all of them by \`cutover rejects list\`.`,
    );
  }
  parts.push(report.verdict);
  return `${parts.join('\n\n')}\n`;
}

export function renderPlan(plan: ProjectPlan): string {
  const rows = plan.entities.map((e) => [e.entity, e.read, e.insert, e.update, e.unchanged, e.merge, e.reject, e.filter, e.delete, e.goneFromSource] as const);
  const table = renderTable(['entity', 'read', 'insert', 'update', 'unchanged', 'merge', 'reject', 'filter', 'delete/archive', 'gone from source'], rows);
  const drift = plan.entities.flatMap((e) => e.drift.map((line) => `  ${e.entity}: ${line}`));
  const lines = [
    `Plan for ${plan.project} (${plan.mode}${plan.stateExists ? '' : '; no run on this target yet, every row is new'}): nothing was written.`,
    '',
    table,
  ];
  if (plan.inProgress) {
    const run = plan.inProgress.runId === null ? 'A run that is starting' : `Run ${plan.inProgress.runId} (process ${plan.inProgress.pid} on ${plan.inProgress.host}, started ${plan.inProgress.startedAt})`;
    lines.unshift(`IN PROGRESS: ${run} is writing to this target: this plan is as of its last committed batch, and counts what it has not committed yet as still to do.`, '');
  }
  if (drift.length > 0) lines.push('', 'Schema drift since the last run:', ...drift);
  lines.push('', 'Rows the target itself would refuse (a constraint, a value too long) show only in a run, as rejects at stage `write`.');
  return `${lines.join('\n')}\n`;
}

/** The values check for a terminal: rows compared per entity, then the first differences of each. */
export function renderValues(entities: readonly EntityReport[]): string {
  const table = renderTable(
    ['entity', 'rows compared', 'rows differing', 'status'],
    entities.map((e) => [e.entity, e.values?.rowsCompared ?? 0, e.values?.differingRows ?? 0, !e.values?.compared ? 'not compared' : e.values.differingRows === 0 ? 'ok' : 'DIFFERS']),
  );
  const lines = [`Values: every target row cutover owns against the source\n\n${table}`];
  for (const e of entities) {
    if (e.values?.note) lines.push(`  ${e.entity}: ${e.values.note}`);
    const shown = e.values?.differences.slice(0, TERMINAL_DIFFERENCES) ?? [];
    for (const d of shown) {
      lines.push(isValueDifference(d) ? `  ${e.entity} ${d.key} ${d.field}: source ${JSON.stringify(d.source)}, target ${JSON.stringify(d.target)}` : `  ${e.entity} ${d.key}: ${d.kind}`);
    }
    const more = (e.values?.differences.length ?? 0) - shown.length + (e.values?.differingRowsNotListed ?? 0);
    if (more > 0) lines.push(`  … and more in ${e.entity} (${e.values!.differingRows.toLocaleString('en-US')} rows differ; --format html, xlsx or csv lists up to 1,000)`);
  }
  return lines.join('\n');
}
