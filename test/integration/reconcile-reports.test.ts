/**
 * `cutover reconcile` reports as a manager receives them: the example project migrated from the
 * generated legacy CRM (MariaDB) into PostgreSQL, one ticket subject then changed in the target
 * (to markup, as a hostile user might type it), and the report taken in every format. Every format
 * must show the same numbers as the JSON, the HTML must render in a real browser with the numbers
 * and the markup shown as text.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import type { ReconcileReport } from '../../pipelines/reports/reconcile-report.js';
import { chromiumPath, decodePng, runChromium } from '../support/chromium.js';
import { runCli, type CliResult } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';
import { servicesRequired } from '../support/services.js';

const HOSTILE = '<script>document.title="owned"</script> 工单 "urgent", <b>now</b> & later';
const NUMBER_FIELDS = ['source', 'loaded', 'merged', 'filtered', 'rejected', 'unaccounted'] as const;

/** The equation per entity as JSON carries it, the shape every other format is compared with. */
function equation(report: ReconcileReport) {
  return report.entities.map((e) => ({
    entity: e.entity, source: e.source, loaded: e.loaded, merged: e.merged, filtered: e.filtered, rejected: e.rejected, unaccounted: e.unaccounted,
    targetExpected: e.target.expected, targetActual: e.target.actual, differingRows: e.values?.differingRows ?? null, status: e.ok ? 'ok' : 'DIFFERS',
  }));
}

describeWith(['mysql', 'postgres'])('cutover reconcile: one report, five formats', () => {
  let setup: MigrationSetup;
  let dir: string;
  let ticket: { key: string; subject: string };
  let json: CliResult;
  let report: ReconcileReport;
  const cli = (...args: string[]) => runCli(['reconcile', '-p', setup.projectDir, '--quiet', ...args], { env: setup.env() });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-reports-'));
    setup = await createMigrationSetup('cutover_reports', { customers: 1_500, opportunities: 2_000, tickets: 2_500 });
    const run = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: setup.env() });
    expect(run.code, run.stderr).toBe(0);
    const [row] = await setup.target(`SELECT legacy_key FROM cutover.id_map WHERE entity = 'tickets' AND status = 'loaded' AND owns_row ORDER BY legacy_key LIMIT 1`);
    const key = String(row!.legacy_key);
    const [before] = await setup.target('SELECT subject FROM tickets WHERE legacy_id::text = $1', [key]);
    ticket = { key, subject: String(before!.subject) };
    await setup.target('UPDATE tickets SET subject = $1 WHERE legacy_id::text = $2', [HOSTILE, key]);
    json = await cli('--format', 'json');
    report = JSON.parse(json.stdout) as ReconcileReport;
  }, 240_000);

  afterAll(async () => {
    await setup?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the changed value by default, exits 1, and lists it with both values in the JSON', () => {
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
    expect(report.scope).toBe('counts and values');
    expect(report.reconciled).toBe(false);
    const tickets = report.entities.find((e) => e.entity === 'tickets')!;
    expect(tickets.values).toMatchObject({ compared: true, differingRows: 1 });
    expect(tickets.values!.differences).toEqual([{ key: ticket.key, field: 'subject', kind: 'value differs', source: ticket.subject, target: HOSTILE }]);
    expect(report.verdict).toBe('NOT reconciled: tickets: 1 row with values that differ from the source.');
    for (const e of report.entities) {
      expect({ entity: e.entity, unaccounted: e.unaccounted, countsBalance: e.reconciled }).toEqual({ entity: e.entity, unaccounted: 0, countsBalance: true });
      expect(e.rejects.listed.length + e.rejects.notListed).toBe(e.rejected);
      expect(e.rejects.listed.every((r) => r.stage && r.reason && r.origin)).toBe(true);
    }
    expect(report.entities.filter((e) => e.entity !== 'tickets').map((e) => e.values?.differingRows)).toEqual([0, 0]);
  });

  it('passes with --counts-only (the counts still balance) and accepts --content as before', async () => {
    const quick = await cli('--counts-only', '--format', 'json');
    expect(quick.code).toBe(0);
    const counts = JSON.parse(quick.stdout) as ReconcileReport;
    expect(counts.scope).toBe('counts');
    expect(counts.entities.map((e) => e.values)).toEqual([null, null, null]);
    const legacy = await cli('--content');
    expect(legacy.code).toBe(1);
    expect(legacy.stdout).toMatch(/^tickets\s+[\d,]+\s+1\s+DIFFERS$/m);
    expect(legacy.stdout).toContain(`tickets ${ticket.key} subject: source ${JSON.stringify(ticket.subject)}, target ${JSON.stringify(HOSTILE)}`);
  });

  it('writes an XLSX whose Summary, Differences and Rejects agree with the JSON', async () => {
    const out = path.join(dir, 'reconciliation.xlsx');
    const written = await cli('--format', 'xlsx', '--out', out);
    expect(written.code).toBe(1);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Differences', 'Rejects']);
    const summary = workbook.getWorksheet('Summary')!;
    const rows = report.entities.map((_, i) => summary.getRow(i + 2).values as unknown[]);
    expect(rows.map((v) => ({
      entity: v[1], source: v[2], loaded: v[3], merged: v[4], filtered: v[5], rejected: v[6], unaccounted: v[7], targetExpected: v[8], targetActual: v[9], differingRows: v[11], status: v[12],
    }))).toEqual(equation(report));
    const differences = workbook.getWorksheet('Differences')!;
    expect((differences.getRow(2).values as unknown[]).slice(1)).toEqual(['tickets', ticket.key, 'subject', 'value differs', ticket.subject, HOSTILE]);
    expect(differences.rowCount).toBe(2);
    const rejects = workbook.getWorksheet('Rejects')!;
    expect(rejects.rowCount - 1).toBe(report.entities.reduce((sum, e) => sum + e.rejects.listed.length, 0));
  });

  it('writes a CSV (BOM, RFC 4180) that parses to the same numbers', async () => {
    const out = path.join(dir, 'reconciliation.csv');
    expect((await cli('--format', 'csv', '--out', out)).code).toBe(1);
    const text = await readFile(out, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const parsed = Papa.parse<Record<string, string>>(text.slice(1), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const summary = parsed.data.filter((r) => r.section === 'summary');
    expect(summary.map((r) => ({
      entity: r.entity, source: Number(r.source_rows), loaded: Number(r.loaded), merged: Number(r.merged), filtered: Number(r.filtered), rejected: Number(r.rejected),
      unaccounted: Number(r.unaccounted), targetExpected: Number(r.target_expected), targetActual: Number(r.target_actual), differingRows: Number(r.differing_rows), status: r.status,
    }))).toEqual(equation(report));
    expect(parsed.data.filter((r) => r.section === 'difference')).toMatchObject([{ entity: 'tickets', key: ticket.key, field: 'subject', source_value: ticket.subject, target_value: HOSTILE }]);
    expect(parsed.data.filter((r) => r.section === 'reject')).toHaveLength(report.entities.reduce((sum, e) => sum + e.rejects.listed.length, 0));
  });

  const chromium = chromiumPath();
  it.skipIf(chromium === null && !servicesRequired())('writes one HTML page that real Chromium renders offline: chart drawn, numbers as in the JSON, markup shown as text', async () => {
    if (chromium === null) throw new Error('/usr/bin/chromium is missing: `apt-get install -y chromium` (required when CI or CUTOVER_REQUIRE_SERVICES is set)');
    const out = path.join(dir, 'reconciliation.html');
    expect((await cli('--format', 'html', '--out', out)).code).toBe(1);
    const url = `file://${out}`;

    const png = path.join(dir, 'reconciliation.png');
    await runChromium(chromium, ['--window-size=1200,1800', '--hide-scrollbars', `--screenshot=${png}`, url], { timeoutMs: 90_000 });
    const image = decodePng(await readFile(png));
    expect({ width: image.width, height: image.height }).toEqual({ width: 1200, height: 1800 });
    expect(image.colours.size).toBeGreaterThan(20); // text, table rules, chart; a blank page has 1
    expect(image.colours.has('2e7d32')).toBe(true); // the chart's "loaded" segments
    expect(image.colours.has('c62828')).toBe(true); // the failed verdict's border

    const dom = await runChromium(chromium, ['--dump-dom', url], { timeoutMs: 90_000 });
    expect(dom).not.toContain('<script'); // the hostile subject stayed text, and nothing ran
    expect(dom).toContain('&lt;script&gt;document.title="owned"&lt;/script&gt; 工单 "urgent", &lt;b&gt;now&lt;/b&gt; &amp; later');
    expect(dom).toMatch(/<title>Reconciliation of [^<]*<\/title>/);
    expect(dom).toContain('data-field="reconciled" data-value="false"');
    const shown = report.entities.map((e) => {
      const row = new RegExp(`<tr data-entity="${e.entity}">(.*?)</tr>`).exec(dom)![1]!;
      const cells = Object.fromEntries([...row.matchAll(/data-field="([\w-]+)">([^<]*)</g)].map((m) => [m[1]!, m[2]!]));
      const n = (field: string) => Number(cells[field]!.replaceAll(',', ''));
      return {
        entity: e.entity, ...Object.fromEntries(NUMBER_FIELDS.map((f) => [f, n(f)])), targetExpected: n('target-expected'), targetActual: n('target-actual'),
        differingRows: n('differing-rows'), status: cells.status,
      };
    });
    expect(shown).toEqual(equation(report));
  }, 200_000);

  it('refuses a binary format on a terminal (a pipe is fine), and an unknown format with the list of formats', async () => {
    const unknown = await cli('--format', 'pdf');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Expected `--format` to be one of terminal, json, csv, xlsx, html, got `pdf`');
    const piped = await cli('--format', 'xlsx'); // stdout is a pipe here: the workbook goes down it
    expect(piped.code).toBe(1);
    expect(piped.stdout.startsWith('PK\u0003\u0004')).toBe(true);
    if (!existsSync('/usr/bin/script')) return; // util-linux's script gives the CLI a terminal as stdout
    const cliPath = packagePath('dist', 'scripts', 'cli.js');
    const onTerminal = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('/usr/bin/script', ['-qec', `${process.execPath} ${cliPath} reconcile -p ${setup.projectDir} --format xlsx`, '/dev/null'], { timeout: 60_000 }, (error, stdout) =>
        resolve({ code: error === null ? 0 : Number(error.code), output: stdout }),
      );
    });
    expect(onTerminal.code).toBe(2);
    expect(onTerminal.output).toContain('--format xlsx is a binary file and stdout is a terminal');
    expect(onTerminal.output).toContain('--out reconciliation.xlsx');
  });
});
