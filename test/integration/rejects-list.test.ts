/**
 * `cutover rejects list` as scripts and people use it: on stdout unless `--out`, `--limit` in every
 * format (and said on stderr when it cut the list), no file replaced without `--force`, xlsx
 * refused on a terminal, and the CSV formula-guarded for spreadsheets, with keys a legacy CRM really
 * holds (`=1+1`, `+86…`, `-2`, `@x`, a tab first), while JSON Lines and XLSX carry them exactly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unguardFormula } from '../../connectors/file/formula-guard.js';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, type TestDatabase } from '../support/databases.js';

/** Keys a spreadsheet would run or change, then an ordinary one; every one of these rows is rejected (country `Mars`). */
const HOSTILE_KEYS = ['=1+1', '+862148631096', '-2', '@x', '\tx'] as const;
const GUARDED_KEYS = ["'=1+1", "'+862148631096", '-2', "'@x", "'\tx"];
const CUSTOMERS = [
  'id,name,email,country,revenue,created_at',
  ...HOSTILE_KEYS.map((key, i) => `${key},Customer ${i},c${i}@x.test,Mars,1,2021-01-01T00:00:00Z`),
  '7,Fine Trading,fine@x.test,China,1,2021-01-01T00:00:00Z',
].join('\n');
/** The three orders of the base project point at customers this export lacks: three more rejects, stage resolve. */
const REJECTS = HOSTILE_KEYS.length + 3;

describeWith(['postgres'])('cutover rejects list: outputs that fit scripts and spreadsheets', () => {
  let target: TestDatabase;
  let project: string;
  let cwd: string;
  const cli = (...args: string[]) => runCli(['rejects', 'list', '-p', project, ...args], { env: { NEWCRM_URL: target.url }, cwd });

  beforeAll(async () => {
    target = await createPostgresDatabase('cutover_rejects_list');
    project = await mkdtemp(path.join(tmpdir(), 'cutover-rejects-'));
    cwd = await mkdtemp(path.join(tmpdir(), 'cutover-rejects-cwd-'));
    await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), project, { recursive: true });
    await writeFile(path.join(project, 'export', 'customers.csv'), CUSTOMERS);
    const run = await runCli(['run', '-p', project, '--quiet'], { env: { NEWCRM_URL: target.url } });
    expect(run.code, run.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await target?.drop();
    for (const dir of [project, cwd]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes CSV to stdout (no file in the current folder, no byte-order mark), formula-guarded; the guard comes off to the exact keys', async () => {
    const listed = await cli('--format', 'csv');
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await readdir(cwd)).toEqual([]);
    expect(listed.stdout.startsWith('entity,key,stage,reason,origin,run_id,first_run_id,payload\r\n')).toBe(true);
    const parsed = Papa.parse<Record<string, string>>(listed.stdout, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const customers = parsed.data.filter((row) => row.entity === 'customers');
    expect(customers.map((row) => row.key).sort()).toEqual([...GUARDED_KEYS].sort());
    expect(customers.map((row) => unguardFormula(row.key!)).sort()).toEqual([...HOSTILE_KEYS].sort());
    expect(parsed.data).toHaveLength(REJECTS);
  });

  it('carries the keys exactly in JSON Lines and in XLSX string cells, never formulas', async () => {
    const jsonl = await cli('--format', 'jsonl');
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const records = jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line) as { entity: string; key: string });
    expect(records.filter((r) => r.entity === 'customers').map((r) => r.key).sort()).toEqual([...HOSTILE_KEYS].sort());

    const file = path.join(cwd, 'rejects.xlsx');
    const written = await cli('--format', 'xlsx', '--out', file);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toBe(`${REJECTS} rejects written to rejects.xlsx\n`); // relative to the current folder
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('rejects')!;
    const keys = Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2).getCell(2)).filter((cell) => sheet.getRow(Number(cell.row)).getCell(1).value === 'customers');
    expect(keys.map((cell) => cell.value).sort()).toEqual([...HOSTILE_KEYS].sort());
    expect(new Set(keys.map((cell) => cell.type))).toEqual(new Set([ExcelJS.ValueType.String]));
    await rm(file);
  });

  it('honours --limit in every format, and says on stderr that the list was cut and how to get all of it', async () => {
    const note = `cutover: listed 3 of ${REJECTS} rejects (cut at --limit 3); give --limit ${REJECTS} for all of them\n`;
    const table = await cli('--limit', '3');
    expect({ code: table.code, stderr: table.stderr }).toEqual({ code: 0, stderr: note });
    expect(table.stdout.trim().split('\n')).toHaveLength(2 + 3); // header, rule, three rows

    const csv = await cli('--format', 'csv', '--limit', '3');
    expect({ code: csv.code, stderr: csv.stderr }).toEqual({ code: 0, stderr: note });
    expect(Papa.parse(csv.stdout, { header: true, skipEmptyLines: true }).data).toHaveLength(3);

    const jsonl = await cli('--format', 'jsonl', '--limit', '3');
    expect({ code: jsonl.code, stderr: jsonl.stderr }).toEqual({ code: 0, stderr: note });
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(3);

    const file = path.join(cwd, 'three.xlsx');
    const xlsx = await cli('--format', 'xlsx', '--limit', '3', '--out', file, '--quiet');
    expect({ code: xlsx.code, stderr: xlsx.stderr }).toEqual({ code: 0, stderr: note });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.getWorksheet('rejects')!.rowCount).toBe(1 + 3);
    await rm(file);

    // Exactly at the limit: nothing was cut, nothing said.
    const all = await cli('--format', 'jsonl', '--limit', String(REJECTS));
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    expect(all.stdout.trim().split('\n')).toHaveLength(REJECTS);
  });

  it('never replaces an existing file without --force: one line, exit 2, the file as it was', async () => {
    const file = path.join(cwd, 'handoff.csv');
    const first = await cli('--format', 'csv', '--out', file);
    expect(first.code, first.stderr).toBe(0);
    const before = await readFile(file, 'utf8');
    expect(before.charCodeAt(0)).toBe(0xfeff); // a file for Excel starts with the byte-order mark

    const again = await cli('--format', 'csv', '--out', file, '--limit', '1');
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('cutover: handoff.csv already exists; give --force to replace it, or another --out FILE (nothing was written)\n');
    expect(await readFile(file, 'utf8')).toBe(before);

    const forced = await cli('--format', 'csv', '--out', file, '--limit', '1', '--force', '--quiet');
    expect(forced.code, forced.stderr).toBe(0);
    expect(Papa.parse((await readFile(file, 'utf8')).slice(1), { header: true, skipEmptyLines: true }).data).toHaveLength(1);

    // The file's extension names the format when --format is not given.
    const named = path.join(cwd, 'named.jsonl');
    expect((await cli('--out', named, '--quiet')).code).toBe(0);
    expect((await readFile(named, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { entity: string }).entity)).toContain('customers');
    await rm(named);

    // The table goes to a file as well, under the same rule.
    const table = path.join(cwd, 'rejects.txt');
    expect((await cli('--out', table, '--quiet')).code).toBe(0);
    expect(await readFile(table, 'utf8')).toMatch(/^entity +key +stage +reason +origin/);
    expect((await cli('--out', table)).code).toBe(2);
    for (const written of [file, table]) await rm(written);
  });

  it('stops quietly with exit 0 when the reader of stdout has gone (`| head -c 100`), in the capped worker and without it', async () => {
    // Enough rejects that the output outgrows the pipe: the command meets EPIPE while it writes.
    const many = await mkdtemp(path.join(tmpdir(), 'cutover-rejects-many-'));
    const database = await createPostgresDatabase('cutover_rejects_pipe');
    try {
      await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), many, { recursive: true });
      const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1},Customer ${i + 1},c${i + 1}@x.test,Mars,1,2021-01-01T00:00:00Z`);
      await writeFile(path.join(many, 'export', 'customers.csv'), ['id,name,email,country,revenue,created_at', ...rows].join('\n'));
      const run = await runCli(['run', '-p', many, '--quiet'], { env: { NEWCRM_URL: database.url } });
      expect(run.code, run.stderr).toBe(0);
      const cliPath = packagePath('dist', 'scripts', 'cli.js');
      for (const [format, heap] of [['csv', '256'], ['jsonl', '0'], ['xlsx', '256'], ['xlsx', '0']] as const) {
        const script = `${process.execPath} ${cliPath} rejects list -p ${many} --format ${format} --quiet --max-heap ${heap} | head -c 100 > /dev/null; echo "exit \${PIPESTATUS[0]}"`;
        const piped = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
          execFile('/bin/bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH ?? '', NEWCRM_URL: database.url }, timeout: 60_000 }, (error, stdout, stderr) =>
            error ? reject(error) : resolve({ stdout, stderr }),
          );
        });
        expect({ format, heap, ...piped }).toEqual({ format, heap, stdout: 'exit 0\n', stderr: '' });
      }
    } finally {
      await database.drop();
      await rm(many, { recursive: true, force: true });
    }
  }, 180_000);

  it.skipIf(!existsSync('/usr/bin/script'))('refuses xlsx on a terminal (a pipe is fine)', async () => {
    const piped = await runCli(['rejects', 'list', '-p', project, '--format', 'xlsx', '--quiet'], { env: { NEWCRM_URL: target.url } });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.startsWith('PK\u0003\u0004')).toBe(true);
    // util-linux's script gives the command a terminal as stdout.
    const command = `NEWCRM_URL='${target.url}' ${process.execPath} ${packagePath('dist', 'scripts', 'cli.js')} rejects list -p ${project} --format xlsx`;
    const onTerminal = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('/usr/bin/script', ['-qec', command, '/dev/null'], { timeout: 60_000 }, (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), output: stdout }));
    });
    expect(onTerminal.code).toBe(2);
    expect(onTerminal.output).toContain('cutover: --format xlsx is a binary file and stdout is a terminal');
    expect(onTerminal.output).toContain('give --out FILE, e.g. --out rejects.xlsx');
  });
});
