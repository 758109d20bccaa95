import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { unguardFormula } from '../../../connectors/file/formula-guard.js';
import { CSV_COLUMNS, renderCsvReport } from '../../../pipelines/reports/csv-report.js';
import { HOSTILE_SUBJECT, sampleReport } from './report-fixture.js';

describe('the CSV report', () => {
  const text = renderCsvReport(sampleReport());
  const parsed = Papa.parse<Record<string, string>>(text.slice(1), { header: true, skipEmptyLines: true });

  it('starts with a UTF-8 byte-order mark and ends every record with CRLF', () => {
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.slice(1).startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('parses back (RFC 4180) to the verdict, the equation, the differences and the rejects, quotes, commas and newlines intact', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual([...CSV_COLUMNS]);
    expect(parsed.data.map((r) => r.section)).toEqual(['verdict', 'summary', 'summary', 'difference', 'difference', 'difference', 'difference', 'reject', 'reject', 'reject']);
    const tickets = parsed.data.find((r) => r.section === 'summary' && r.entity === 'tickets')!;
    expect(tickets).toMatchObject({ status: 'DIFFERS', source_rows: '1000', loaded: '900', merged: '0', filtered: '50', rejected: '3', unaccounted: '47', target_expected: '900', target_actual: '901', rows_compared: '900', differing_rows: '4' });
    expect(tickets.note).toContain('1 rejects not listed');
    const subject = parsed.data.find((r) => r.section === 'difference' && r.field === 'subject')!;
    expect(subject.source_value).toBe(HOSTILE_SUBJECT);
    expect(parsed.data.find((r) => r.section === 'reject' && r.key === '<b>7</b>')!.reason).toBe(`orphan: ${HOSTILE_SUBJECT}`);
    expect(parsed.data.find((r) => r.section === 'reject' && r.stage === 'read')!.key).toBe('');
  });

  it('writes numbers without separators and defuses text a spreadsheet would run as a formula', () => {
    expect(text).toContain('summary,customers,ok,12345,11000,845,300,200,0,11000,11000,11000,0,');
    const subject = parsed.data.find((r) => r.section === 'difference' && r.field === 'subject')!;
    expect(subject.target_value).toBe(`'=HYPERLINK("http://evil")`);
    expect(parsed.data.find((r) => r.field === 'amount')).toMatchObject({ source_value: '12.50', target_value: '12.5' });
  });

  it('guards keys and values a spreadsheet would run or change (=1+1, +86…, @x, a tab first), leaves -2 a number, and each reads back exactly', () => {
    const values = ['=1+1', '+862148631096', '-2', '@x', '\tx'];
    const report = sampleReport();
    const hostile = {
      ...report,
      entities: report.entities.map((e) => (e.values ? { ...e, values: { ...e.values, differences: values.map((v) => ({ key: v, field: 'phone', kind: e.values!.differences[0]?.kind ?? 'value', source: v, target: -2 })) } } : e)),
    } as typeof report;
    const rows = Papa.parse<Record<string, string>>(renderCsvReport(hostile).slice(1), { header: true, skipEmptyLines: true }).data.filter((r) => r.section === 'difference' && r.entity === 'tickets');
    expect(rows.map((r) => r.key)).toEqual(["'=1+1", "'+862148631096", '-2', "'@x", "'\tx"]);
    expect(rows.map((r) => r.source_value)).toEqual(rows.map((r) => r.key));
    expect(rows.map((r) => r.target_value)).toEqual(values.map(() => '-2'));
    expect(rows.map((r) => unguardFormula(r.key!))).toEqual(values);
  });
});
