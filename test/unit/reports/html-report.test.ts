import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtmlReport } from '../../../pipelines/reports/html-report.js';
import { HOSTILE_SUBJECT, sampleReport } from './report-fixture.js';

describe('the HTML report', () => {
  const html = renderHtmlReport(sampleReport());

  it('escapes every value from user data: no element, attribute or entity comes through', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>7</b>');
    expect(html).toContain(escapeHtml(HOSTILE_SUBJECT));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 工单');
    expect(html).toContain('<td>&lt;b&gt;7&lt;/b&gt;</td>');
    expect(html).toContain('<h1>Reconciliation of acme &lt;legacy&gt; CRM</h1>');
    expect(escapeHtml(`'"<>&`)).toBe('&#39;&quot;&lt;&gt;&amp;');
  });

  it('is one self-contained page: no script, no external URL, inline style and SVG', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(/i);
    expect(html).not.toMatch(/\s(?:href|src|srcset|action|formaction|poster|data)\s*=/i);
    // The only URL outside escaped text is the SVG namespace, which is never fetched.
    expect(html.match(/"https?:\/\/[^"]*"/g)).toEqual(['"http://www.w3.org/2000/svg"']);
    expect(html).toContain('<style>');
    expect(html).toMatch(/<svg class="chart"[^>]*role="img"/);
  });

  it('shows the verdict first and each entity number marked with data-entity and data-field', () => {
    expect(html.indexOf('class="verdict fail"')).toBeLessThan(html.indexOf('<svg'));
    expect(html).toContain('data-field="reconciled" data-value="false"');
    const row = html.match(/<tr data-entity="tickets">.*<\/tr>/)![0];
    const numbers = Object.fromEntries([...row.matchAll(/data-field="([\w-]+)">([^<]*)</g)].map((m) => [m[1], m[2]]));
    expect(numbers).toEqual({ source: '1,000', loaded: '900', merged: '0', filtered: '50', rejected: '3', unaccounted: '47', 'target-expected': '900', 'target-actual': '901', 'rows-compared': '900', 'differing-rows': '4', status: 'DIFFERS' });
    expect(html).toMatch(/<tr data-entity="customers">.*data-field="source">12,345</);
  });

  it('draws one stacked bar per entity whose segments fill the bar in proportion', () => {
    const group = html.match(/<g data-entity="customers">[\s\S]*?<\/g>/)![0];
    const widths = [...group.matchAll(/<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="22" fill="#(?!eee)/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(4); // loaded, merged, filtered, rejected; unaccounted is 0
    expect(widths.reduce((a, b) => a + b, 0)).toBeCloseTo(560, 0);
    expect(widths[0]! / 560).toBeCloseTo(11_000 / 12_345, 2);
    expect(html).toMatch(/<g data-entity="tickets">[\s\S]*?fill="#c62828"><title>tickets unaccounted: 47 \(4\.7 %\)<\/title>/);
  });

  it('says what was not compared and how many rejects are not listed', () => {
    expect(html).toContain('1 more not listed; <code>cutover rejects list --entity tickets --format xlsx</code> has them all.');
    expect(html).toContain('1 more differing rows not listed.');
    expect(renderHtmlReport(sampleReport({ counts: 'only' }))).toContain('Values were not compared (<code>--counts-only</code>).');
  });
});
