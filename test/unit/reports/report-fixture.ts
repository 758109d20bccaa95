/** A hand-built reconciliation for the renderer tests: one entity that differs, one that is fine, hostile text in keys, values and reasons. */
import type { EntityContent } from '../../../pipelines/reconcile/content.js';
import type { Reconciliation } from '../../../pipelines/reconcile/counts.js';
import { assembleReconcileReport, type ReconcileReport } from '../../../pipelines/reports/reconcile-report.js';

export const HOSTILE_SUBJECT = '<script>alert("x")</script> & 工单 "quoted", with comma\nand a newline';

export function sampleReport(options: { counts?: 'only' } = {}): ReconcileReport {
  const reconciliation: Reconciliation = {
    project: 'acme <legacy> CRM',
    generatedAt: '2026-12-06T04:00:00.000Z',
    reconciled: false,
    entities: [
      { entity: 'customers', source: 12_345, loaded: 11_000, merged: 845, filtered: 300, rejected: 200, unaccounted: 0, target: { expected: 11_000, actual: 11_000 }, reconciled: true },
      { entity: 'tickets', source: 1_000, loaded: 900, merged: 0, filtered: 50, rejected: 3, unaccounted: 47, target: { expected: 900, actual: 901 }, reconciled: false },
    ],
  };
  const content: EntityContent[] = [
    { entity: 'customers', compared: true, rowsCompared: 11_000, differingRows: 0, differences: [] },
    {
      entity: 'tickets',
      compared: true,
      rowsCompared: 900,
      differingRows: 4,
      differences: [
        { key: 'T-1', field: 'subject', source: HOSTILE_SUBJECT, target: '=HYPERLINK("http://evil")' },
        { key: 'T-1', field: 'amount', source: '12.50', target: 12.5 },
        { key: 'T-2', field: 'opened_at', source: new Date('2026-01-02T03:04:05.000Z'), target: null },
        { key: 'T-3', field: null, source: 'row', target: null },
      ],
    },
  ];
  const rejects = new Map([
    ['customers', [{ key: '42', stage: 'map', reason: "field `email`: 'a@@b' is not a valid e-mail address", origin: 'customers.csv:43' }]],
    ['tickets', [{ key: '<b>7</b>', stage: 'resolve', reason: `orphan: ${HOSTILE_SUBJECT}`, origin: 'tickets.jsonl:8' }, { key: null, stage: 'read', reason: 'malformed JSON', origin: 'tickets.jsonl:9' }]],
  ]);
  return assembleReconcileReport({ reconciliation, content: options.counts === 'only' ? null : content, rejects });
}
