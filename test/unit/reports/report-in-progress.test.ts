import { describe, expect, it } from 'vitest';
import { withRunInProgress } from '../../../pipelines/reports/reconcile-report.js';
import { renderReconcileReport } from '../../../pipelines/reports/terminal.js';
import type { RunInProgress } from '../../../pipelines/session/run-in-progress.js';
import { sampleReport } from './report-fixture.js';

const run: RunInProgress = {
  runId: 7,
  mode: 'incremental',
  entities: ['customers', 'opportunities', 'tickets'],
  pid: 4711,
  host: 'etl-1',
  startedAt: '2026-12-07 01:00:00+00',
  ledger: [
    { entity: 'customers', status: 'succeeded', batches: 3, read: 5_000, inserted: 5_000, updated: 0, unchanged: 0, merged: 0, rejected: 0, filtered: 0, deleted: 0, sourceDeleted: 0 },
    { entity: 'opportunities', status: 'running', batches: 2, read: 4_000, inserted: 4_000, updated: 0, unchanged: 0, merged: 0, rejected: 0, filtered: 0, deleted: 0, sourceDeleted: 0 },
  ],
};

describe('a reconciliation during a run', () => {
  it('leaves out what the run has not finished, says how far it got, and is not reconciled', () => {
    const report = withRunInProgress(sampleReport(), run, [
      { entity: 'opportunities', state: 'running', batches: 2, committedRows: 4_000 },
      { entity: 'tickets', state: 'not started', batches: 0, committedRows: 0 },
    ]);
    expect(report.reconciled).toBe(false);
    expect(report.inProgress?.run).toEqual({ runId: 7, mode: 'incremental', pid: 4711, host: 'etl-1', startedAt: '2026-12-07 01:00:00+00' });
    expect(report.verdict).toMatch(/^Run 7 \(incremental of customers, opportunities, tickets\) by process 4711 on etl-1, started 2026-12-07 01:00:00\+00 is in progress: this report is as of its last committed batch\. NOT compared: opportunities: in progress \(run 7, running\): 4,000 rows committed so far, not compared; tickets: in progress \(run 7, not started\): 0 rows committed so far, not compared\./);
    const text = renderReconcileReport(report);
    expect(text).toMatch(/opportunities +in progress \(run 7\): running +2 +4,000 +no/);
  });

});
