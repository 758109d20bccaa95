/**
 * The reconciliation report as one self-contained HTML page: inline CSS, an inline SVG chart of
 * the equation per entity, the summary table, the differences and the rejects, the verdict on top.
 * No script and no external request, so it reads the same offline, attached to an e-mail or
 * printed. Every value is escaped: keys, values and reasons come from user data.
 *
 * Numbers carry `data-entity`/`data-field` attributes so that a test (or a scraper) can read them
 * back from the rendered page.
 */
import { isValueDifference, type EntityReport, type ReconcileReport, type ReportValue } from './reconcile-report.js';

/** The equation's buckets as the chart draws them, left to right, with their colours. */
export const CHART_SEGMENTS = [
  { field: 'loaded', label: 'loaded', colour: '#2e7d32' },
  { field: 'merged', label: 'merged', colour: '#1565c0' },
  { field: 'filtered', label: 'filtered', colour: '#8d8d8d' },
  { field: 'rejected', label: 'rejected', colour: '#ef6c00' },
  { field: 'unaccounted', label: 'unaccounted', colour: '#c62828' },
] as const;

const CHART = { width: 860, label: 150, bar: 560, row: 58, barHeight: 22, top: 8 } as const;
/** Non-zero buckets get at least this many pixels, so that 3 rejects among 12,000 rows stay visible. */
const MIN_SEGMENT = 3;

/** The whole page as text (UTF-8 when written). */
export function renderHtmlReport(report: ReconcileReport): string {
  const title = `Reconciliation of ${report.project}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cutover">
<title>${esc(title)} (${esc(report.generatedAt)})</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">Generated <time datetime="${esc(report.generatedAt)}">${esc(report.generatedAt)}</time> · compared: ${esc(report.scope)} · source = loaded + merged + filtered + rejected</p>
</header>
<section class="verdict ${report.reconciled ? 'pass' : 'fail'}" data-field="reconciled" data-value="${report.reconciled}">
<p class="headline">${report.reconciled ? '✔ Reconciled' : '✘ NOT reconciled'}</p>
<p>${esc(report.verdict)}</p>
</section>
<section>
<h2>Every source row accounted for</h2>
${chart(report.entities)}
</section>
<section>
<h2>Summary</h2>
${summaryTable(report.entities)}
</section>
<section>
<h2>Differences</h2>
${differences(report)}
</section>
<section>
<h2>Rejects</h2>
${rejects(report.entities)}
</section>
<footer>cutover reconciliation report · ${esc(report.project)} · ${esc(report.generatedAt)}</footer>
</body>
</html>
`;
}

function chart(entities: readonly EntityReport[]): string {
  if (entities.length === 0) return '<p class="none">No entities.</p>';
  const height = CHART.top * 2 + entities.length * CHART.row + 24;
  const rows = entities.map((e, index) => chartRow(e, CHART.top + index * CHART.row)).join('\n');
  const legend = CHART_SEGMENTS.map((s, index) => {
    const x = CHART.label + index * 112;
    return `<rect x="${x}" y="${height - 18}" width="12" height="12" fill="${s.colour}"/><text x="${x + 17}" y="${height - 8}">${s.label}</text>`;
  }).join('');
  return `<svg class="chart" role="img" aria-label="Source rows per entity split into loaded, merged, filtered, rejected and unaccounted" viewBox="0 0 ${CHART.width} ${height}" width="${CHART.width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title>Source rows per entity: loaded, merged, filtered, rejected, unaccounted</title>
${rows}
${legend}
</svg>`;
}

function chartRow(e: EntityReport, y: number): string {
  const values = CHART_SEGMENTS.map((s) => Math.max(0, e[s.field]));
  const accounted = e.loaded + e.merged + e.filtered + e.rejected;
  // The bar is the source count; when more rows are accounted for than the source holds now (rows
  // deleted there since), the bar grows past the source mark.
  const scale = Math.max(e.source, accounted, 1);
  const pixels = scaledWidths(values, scale);
  let x = CHART.label;
  const segments = CHART_SEGMENTS.map((s, index) => {
    const width = pixels[index]!;
    const rect = width > 0 ? `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${CHART.barHeight}" fill="${s.colour}"><title>${esc(`${e.entity} ${s.label}: ${fmt(values[index]!)} (${percent(values[index]!, e.source)})`)}</title></rect>` : '';
    x += width;
    return rect;
  }).join('');
  const sourceX = CHART.label + (CHART.bar * e.source) / scale;
  const mark = accounted > e.source ? `<line x1="${sourceX.toFixed(1)}" x2="${sourceX.toFixed(1)}" y1="${y - 3}" y2="${y + CHART.barHeight + 3}" stroke="#000" stroke-width="2"/>` : '';
  const caption = CHART_SEGMENTS.map((s, index) => `${s.label} ${fmt(e[s.field])}`).join(' · ');
  return `<g data-entity="${esc(e.entity)}">
<text class="entity" x="0" y="${y + 16}">${esc(e.entity)}</text>
<rect x="${CHART.label}" y="${y}" width="${CHART.bar}" height="${CHART.barHeight}" fill="#eee"/>${segments}${mark}
<text class="total" x="${CHART.label + CHART.bar + 8}" y="${y + 16}">${fmt(e.source)} source rows ${e.ok ? '✔' : '✘'}</text>
<text class="caption" x="${CHART.label}" y="${y + CHART.barHeight + 16}">${esc(caption)}</text>
</g>`;
}

/** Segment widths in pixels summing to the bar's share of `scale`, every non-zero one at least {@link MIN_SEGMENT}. */
function scaledWidths(values: readonly number[], scale: number): number[] {
  const raw = values.map((v) => (CHART.bar * v) / scale);
  const boosted = raw.map((w, i) => (values[i]! > 0 ? Math.max(w, MIN_SEGMENT) : 0));
  const total = boosted.reduce((a, b) => a + b, 0);
  const wanted = raw.reduce((a, b) => a + b, 0);
  // Take the pixels given to tiny segments back from the wide ones, so the bar keeps its length.
  const excess = total - wanted;
  const wide = boosted.filter((w, i) => w > MIN_SEGMENT && w === raw[i]).reduce((a, b) => a + b, 0);
  return boosted.map((w, i) => (excess > 0 && wide > 0 && w > MIN_SEGMENT && w === raw[i] ? w - (excess * w) / wide : w));
}

const SUMMARY_COLUMNS = [
  ['source', 'source'],
  ['loaded', 'loaded'],
  ['merged', 'merged'],
  ['filtered', 'filtered'],
  ['rejected', 'rejected'],
  ['unaccounted', 'unaccounted'],
  ['target-expected', 'target expected'],
  ['target-actual', 'target actual'],
  ['rows-compared', 'rows compared'],
  ['differing-rows', 'rows differing'],
] as const;

function summaryTable(entities: readonly EntityReport[]): string {
  const head = `<tr><th>entity</th>${SUMMARY_COLUMNS.map(([, label]) => `<th class="num">${label}</th>`).join('')}<th>status</th></tr>`;
  const body = entities.map((e) => {
    const numbers: Record<(typeof SUMMARY_COLUMNS)[number][0], number | null> = {
      source: e.source, loaded: e.loaded, merged: e.merged, filtered: e.filtered, rejected: e.rejected, unaccounted: e.unaccounted,
      'target-expected': e.target.expected, 'target-actual': e.target.actual,
      'rows-compared': e.values?.compared ? e.values.rowsCompared : null, 'differing-rows': e.values?.compared ? e.values.differingRows : null,
    };
    const cells = SUMMARY_COLUMNS.map(([field]) => {
      const value = numbers[field];
      const alarm = value !== null && value !== 0 && (field === 'unaccounted' || field === 'differing-rows') ? ' alarm' : '';
      return value === null ? `<td class="num na" data-field="${field}">n/a</td>` : `<td class="num${alarm}" data-field="${field}">${fmt(value)}</td>`;
    }).join('');
    const notes = [...e.findings.map((f) => `<span class="alarm">${esc(f)}</span>`), ...(e.values?.note ? [esc(e.values.note)] : [])];
    const status = `<td class="status ${e.ok ? 'pass' : 'fail'}" data-field="status">${e.ok ? 'ok' : 'DIFFERS'}</td>`;
    const noteRow = notes.length > 0 ? `\n<tr class="notes"><td></td><td colspan="${SUMMARY_COLUMNS.length + 1}">${notes.join('<br>')}</td></tr>` : '';
    return `<tr data-entity="${esc(e.entity)}"><th scope="row">${esc(e.entity)}</th>${cells}${status}</tr>${noteRow}`;
  });
  return `<table class="summary">\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

function differences(report: ReconcileReport): string {
  if (report.scope === 'counts') return '<p class="none">Values were not compared (<code>--counts-only</code>).</p>';
  const parts: string[] = [];
  for (const e of report.entities) {
    const values = e.values;
    if (!values) continue;
    if (!values.compared) {
      parts.push(`<h3>${esc(e.entity)}</h3><p class="none">${esc(values.note ?? 'not compared')}</p>`);
      continue;
    }
    if (values.differingRows === 0) {
      parts.push(`<h3>${esc(e.entity)}</h3><p class="none">${fmt(values.rowsCompared)} rows compared, none differs.</p>`);
      continue;
    }
    const rows = values.differences.map(
      (d) => `<tr><td>${esc(d.key)}</td><td>${d.field === null ? '<span class="na">whole row</span>' : esc(d.field)}</td><td>${esc(d.kind)}</td>${isValueDifference(d) ? `<td class="value">${value(d.source)}</td><td class="value">${value(d.target)}</td>` : '<td class="na">—</td><td class="na">—</td>'}</tr>`,
    );
    const more = values.differingRowsNotListed > 0 ? `<p class="more">${fmt(values.differingRowsNotListed)} more differing rows not listed.</p>` : '';
    parts.push(`<h3>${esc(e.entity)}: ${fmt(values.differingRows)} of ${fmt(values.rowsCompared)} rows differ</h3>
<table class="list" data-entity="${esc(e.entity)}" data-list="differences">
<thead><tr><th>key</th><th>field</th><th>difference</th><th>source value</th><th>target value</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>${more}`);
  }
  return parts.join('\n');
}

function rejects(entities: readonly EntityReport[]): string {
  if (entities.every((e) => e.rejected === 0)) return '<p class="none">No rejected rows.</p>';
  const parts: string[] = [];
  for (const e of entities) {
    if (e.rejected === 0) continue;
    const rows = e.rejects.listed.map((r) => `<tr><td>${r.key === null ? '<span class="na">none</span>' : esc(r.key)}</td><td>${esc(r.stage)}</td><td>${esc(r.reason)}</td><td>${esc(r.origin)}</td></tr>`);
    const more = e.rejects.notListed > 0 ? `<p class="more">${fmt(e.rejects.notListed)} more not listed; <code>cutover rejects list --entity ${esc(e.entity)} --format xlsx</code> has them all.</p>` : '';
    parts.push(`<h3>${esc(e.entity)}: ${fmt(e.rejected)} rejected</h3>
<table class="list" data-entity="${esc(e.entity)}" data-list="rejects">
<thead><tr><th>legacy key</th><th>stage</th><th>reason</th><th>origin</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>${more}`);
  }
  return parts.join('\n');
}

function value(v: ReportValue): string {
  if (v === null) return '<span class="na">null</span>';
  return esc(typeof v === 'string' ? v : String(v));
}

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}
const esc = escapeHtml;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)} %`;
}

const STYLE = `
:root { color-scheme: light; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1b1b1b; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.meta, footer { color: #555; font-size: 12px; } footer { margin-top: 32px; border-top: 1px solid #ddd; padding-top: 8px; }
.verdict { border-radius: 6px; padding: 12px 16px; margin: 16px 0; border: 2px solid; }
.verdict p { margin: 4px 0; } .verdict .headline { font-size: 22px; font-weight: 700; }
.verdict.pass { background: #e8f5e9; border-color: #2e7d32; } .verdict.pass .headline { color: #1b5e20; }
.verdict.fail { background: #fdecea; border-color: #c62828; } .verdict.fail .headline { color: #b71c1c; }
.chart { max-width: 100%; height: auto; font-size: 12px; } .chart .entity { font-weight: 600; font-size: 13px; } .chart .caption { fill: #444; font-size: 11px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; position: sticky; top: 0; } .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status.pass { color: #1b5e20; font-weight: 600; } .status.fail, .alarm { color: #b71c1c; font-weight: 700; }
.notes td { color: #555; font-size: 12px; } thead th.num { white-space: normal; }
.value { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.na, .none, .more { color: #777; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; } table { font-size: 10px; }
  thead { display: table-header-group; } tr, .verdict, .chart { break-inside: avoid; } thead th { position: static; }
}
`;
