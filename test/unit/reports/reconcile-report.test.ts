import { describe, expect, it } from 'vitest';
import { reportValue } from '../../../pipelines/reports/reconcile-report.js';
import { renderReconcileReport } from '../../../pipelines/reports/terminal.js';
import { renderJsonReport } from '../../../pipelines/reports/json-report.js';
import { sampleReport } from './report-fixture.js';

describe('the reconciliation report model', () => {
  it('marks an entity not ok when its equation, its target count or its values disagree, and says why', () => {
    const report = sampleReport();
    const [customers, tickets] = report.entities;
    expect(customers!.ok).toBe(true);
    expect(customers!.findings).toEqual([]);
    expect(tickets!.ok).toBe(false);
    expect(tickets!.findings).toEqual([
      '47 source rows unaccounted (never processed, or added since the last run)',
      'the target holds 901 rows where the state expects 900 (changed outside cutover)',
      '4 rows with values that differ from the source',
    ]);
    expect(report.reconciled).toBe(false);
    expect(report.verdict).toMatch(/^NOT reconciled: tickets: 47 source rows unaccounted/);
  });

  it('names the kind of each difference and keeps values JSON-safe: dates as ISO text, numbers as numbers', () => {
    const differences = sampleReport().entities[1]!.values!.differences;
    expect(differences.map((d) => d.kind)).toEqual(['value differs', 'value differs', 'value differs', 'missing in the target']);
    expect(differences[1]).toMatchObject({ source: '12.50', target: 12.5 });
    expect(differences[2]).toMatchObject({ source: '2026-01-02T03:04:05.000Z', target: null });
    expect(differences[3]).toMatchObject({ field: null, source: null, target: null });
    expect(sampleReport().entities[1]!.values!.differingRowsNotListed).toBe(1);
    expect([reportValue(10n), reportValue({ a: 1 }), reportValue(undefined), reportValue(Number.NaN)]).toEqual(['10', '{"a":1}', null, 'NaN']);
  });

  it('counts the rejects it does not list', () => {
    const [customers, tickets] = sampleReport().entities;
    expect(customers!.rejects).toMatchObject({ notListed: 199 });
    expect(tickets!.rejects.listed).toHaveLength(2);
    expect(tickets!.rejects.notListed).toBe(1);
  });

  it('says that values were not compared in a counts-only report, and reconciles on counts alone', () => {
    const report = sampleReport({ counts: 'only' });
    expect(report.scope).toBe('counts');
    expect(report.entities.every((e) => e.values === null)).toBe(true);
    expect(report.entities[1]!.findings).not.toContain('4 rows with values that differ from the source');
  });

  it('renders as JSON with the whole model, and for a terminal with the equation, the differences and the verdict', () => {
    const report = sampleReport();
    expect(JSON.parse(renderJsonReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
    const text = renderReconcileReport(report);
    expect(text).toMatch(/^customers\s+12,345\s+11,000\s+845\s+300\s+200\s+0\s+11,000 \/ 11,000\s+ok$/m);
    expect(text).toMatch(/^tickets\s+1,000\s+900\s+0\s+50\s+3\s+47\s+900 \/ 901\s+DIFFERS$/m);
    expect(text).toContain('  tickets T-1 amount: source "12.50", target 12.5');
    expect(text).toContain('  tickets T-3: missing in the target');
    expect(text.trimEnd().endsWith(report.verdict)).toBe(true);
  });
});
