/**
 * The two command lines: argument checks in p-queue's message form, exit codes, what they print,
 * and that the seeder never prints a password.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as generateMain } from '../../../scripts/generate-legacy-crm.js';
import { generatorOptionsFromArgs, UsageError } from '../../../scripts/legacy-crm/generator-args.js';
import { main as seedMain } from '../../../scripts/seed-legacy-mysql.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out: { write: (text: string) => out.push(text) }, err: { write: (text: string) => err.push(text) }, text: () => ({ out: out.join(''), err: err.join('') }) };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-legacy-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generatorOptionsFromArgs', () => {
  it('turns flags into options and keeps defaults for absent ones', () => {
    expect(generatorOptionsFromArgs({ seed: '7', customers: '500', 'duplicate-rate': '0.1' })).toEqual({ seed: 7, customers: 500, duplicateRate: 0.1 });
    expect(generatorOptionsFromArgs({})).toEqual({});
  });

  it('names every bad flag with what it expects and what it got', () => {
    const attempt = () => generatorOptionsFromArgs({ customers: 'abc', tickets: '-1', 'duplicate-rate': '0.5', seed: '1e3' });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(
      [
        'Expected `--seed` to be an integer from 0 to 4294967295, got `1e3`',
        'Expected `--customers` to be an integer ≥ 1, got `abc`',
        'Expected `--tickets` to be an integer ≥ 0, got `-1`',
        'Expected `--duplicate-rate` to be a number from 0 to 0.4, got `0.5`',
      ].join('\n'),
    );
    expect(() => generatorOptionsFromArgs({ customers: '0' })).toThrow('Expected `--customers` to be an integer ≥ 1, got `0`');
    expect(() => generatorOptionsFromArgs({ customers: '2.5' })).toThrow('Expected `--customers` to be an integer ≥ 1, got `2.5`');
  });
});

describe('generate-legacy-crm', () => {
  it('writes the export and says what it wrote', async () => {
    const io = capture();
    const out = path.join(dir, 'export');
    expect(await generateMain(['--out', out, '--seed', '7', '--customers', '300', '--opportunities', '400', '--tickets', '500'], io.out, io.err)).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['customers.csv', 'ground-truth.json', 'opportunities.xlsx', 'tickets.jsonl']);
    expect(io.text().out).toMatch(/customers\.csv 300 rows, opportunities\.xlsx 400, tickets\.jsonl 500, ground-truth\.json \(21 duplicate copies in \d+ clusters\)/);
    expect(io.text().err).toBe('');
  });

  it('exits 2 with every problem on a bad command line', async () => {
    const io = capture();
    expect(await generateMain(['--customers', 'abc'], io.out, io.err)).toBe(2);
    expect(io.text().err).toContain('Expected `--out` to name a folder, got nothing');
    expect(io.text().err).toContain('Expected `--customers` to be an integer ≥ 1, got `abc`');
    const unknown = capture();
    expect(await generateMain(['--out', dir, '--colour'], unknown.out, unknown.err)).toBe(2);
    expect(unknown.text().err).toContain("Unknown option '--colour'");
  });

  it('prints help', async () => {
    const io = capture();
    expect(await generateMain(['--help'], io.out, io.err)).toBe(0);
    expect(io.text().out).toContain('--duplicate-rate R');
  });
});

describe('seed-legacy-mysql', () => {
  it('never prints the password of a server it cannot reach', async () => {
    const io = capture();
    const code = await seedMain(['--url', 'mysql://migrator:s3cr3t-pw@127.0.0.1:1/legacy_crm', '--customers', '20', '--opportunities', '5', '--tickets', '5'], io.out, io.err);
    expect(code).toBe(2);
    expect(io.text().err).toContain('Could not connect to MySQL at 127.0.0.1:1/legacy_crm');
    expect(io.text().err + io.text().out).not.toContain('s3cr3t-pw');
  });

  it('rejects a URL without a database, redacted', async () => {
    const io = capture();
    expect(await seedMain(['--url', 'mysql://root:hunter2@127.0.0.1:3306/'], io.out, io.err)).toBe(2);
    expect(io.text().err).toContain('Expected a database name');
    expect(io.text().err).not.toContain('hunter2');
    const missing = capture();
    expect(await seedMain(['--tickets', 'x'], missing.out, missing.err)).toBe(2);
    expect(missing.text().err).toContain('Expected `--url` to be a URL like mysql://root@127.0.0.1:3306/legacy_crm, got nothing');
    expect(missing.text().err).toContain('Expected `--tickets` to be an integer ≥ 0, got `x`');
  });
});
