/**
 * The bad-input corpus (test/fixtures/bad-inputs/): every case is a variation of a small project
 * and one command. Each must end with its exit code and one clear message, never a stack trace,
 * and a run that moved rows must account for every one of them.
 *
 * The commands run in this process (the CLI without its launcher); cases about permissions run as
 * root's `nobody` in a child process of the built CLI. Commands that open the target write into one
 * PostgreSQL database of this file, emptied before each case: a PGlite folder costs seconds to open,
 * a server connection milliseconds. The cases about PGlite itself (and all of them, when there is
 * no server) get a copy of a PGlite folder made once.
 */
import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { BAD_INPUT_CASES } from '../fixtures/bad-inputs/index.js';
import { applyChanges, TARGET_COMMANDS, type BadInputCase } from '../fixtures/bad-inputs/bad-input-case.js';
import type { CliResult } from '../support/cli.js';
import { createPostgresDatabase, queryPostgres, type TestDatabase } from '../support/databases.js';
import { runInProcess } from '../support/in-process-cli.js';
import { copyPgliteTemplate } from '../support/pglite-template.js';

const BASE = packagePath('test', 'fixtures', 'bad-inputs', 'base');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Lines the logger prints for people (`12:00:03 info  …`); the message is everything else. */
const LOG_LINE = /^\d\d:\d\d:\d\d (?:trace|debug|info |WARN ) /;

describe('bad inputs: one clear message, the right exit code, every row accounted for', () => {
  let root: string;
  let target: TestDatabase | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cutover-bad-inputs-'));
    // Others (nobody) must be able to reach the projects of the permission cases.
    await chmod(root, 0o755);
    if (inject('services').postgres) target = await createPostgresDatabase('cutover_bad_inputs');
  });

  afterAll(async () => {
    await target?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('has at least 100 cases, each with a unique name', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(BAD_INPUT_CASES.map((c) => c.name)).size).toBe(BAD_INPUT_CASES.length);
  });

  for (const testCase of BAD_INPUT_CASES) {
    const test = testCase.knownFailure === undefined ? it : it.fails;
    test(testCase.name, async () => {
      const dir = await prepare(testCase);
      try {
        const result = await runCase(testCase, dir, await targetFor(testCase, dir));
        checkResult(testCase, result);
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(async () => {
          await chmod(dir, 0o755);
          await rm(dir, { recursive: true, force: true });
        });
      }
    });
  }

  async function prepare(testCase: BadInputCase): Promise<string> {
    const dir = path.join(root, testCase.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80));
    await cp(BASE, dir, { recursive: true });
    await applyChanges(dir, testCase.files);
    // As nobody, only what the case takes away is out of reach.
    if (testCase.unprivileged) await chmod(dir, 0o777);
    await testCase.setup?.(dir);
    return dir;
  }

  /** The target of a command that opens one: the emptied database, or a PGlite folder in the project. */
  async function targetFor(testCase: BadInputCase, dir: string): Promise<Record<string, string>> {
    if (!(TARGET_COMMANDS as readonly string[]).includes(testCase.args[0] ?? '') || testCase.env?.NEWCRM_URL !== undefined) return {};
    if (target === undefined || testCase.target === 'pglite') {
      await copyPgliteTemplate(root, path.join(dir, '.cutover', 'newcrm'));
      return {};
    }
    for (const statement of ['DROP SCHEMA IF EXISTS public CASCADE', 'DROP SCHEMA IF EXISTS cutover CASCADE', 'CREATE SCHEMA public']) await queryPostgres(target.url, statement);
    return { NEWCRM_URL: target.url };
  }

  function runCase(testCase: BadInputCase, dir: string, targetEnv: Record<string, string>): Promise<CliResult> {
    const args = testCase.args.map((arg) => arg.replaceAll('$P', dir));
    const env = { ...targetEnv, ...testCase.env };
    if (!(testCase.unprivileged && asRoot)) return runInProcess(args, env);
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [packagePath('dist', 'scripts', 'cli.js'), ...args],
        { cwd: root, uid: NOBODY, gid: NOBODY, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
  }
});

function checkResult(testCase: BadInputCase, result: CliResult): void {
  const shown = `stderr:\n${result.stderr}\nstdout:\n${result.stdout.slice(0, 2000)}`;
  const lines = result.stderr.split('\n').filter((line) => line !== '' && !LOG_LINE.test(line));
  expect(lines.filter((line) => /^\s+at /.test(line)), `no stack trace\n${shown}`).toEqual([]);
  expect(result.code, shown).toBe(testCase.code);
  if (testCase.message === undefined) {
    expect(lines, shown).toEqual([]);
  } else {
    // One line; under it at most one indented line: what to do, or the configuration problem
    // (the case says when one mistake is rightly several problems).
    const under = lines.slice(1);
    expect(under.length <= (testCase.problems ?? 1) && under.every((line) => line.startsWith('  ')), `one message\n${shown}`).toBe(true);
    expect(lines[0], shown).toMatch(/^\S/);
    expect(lines.join('\n'), shown).toMatch(testCase.message);
  }
  if (testCase.stdout) expect(result.stdout, shown).toMatch(testCase.stdout);
  const unaccounted = unaccountedOf(result.stdout);
  if (unaccounted !== null) expect(unaccounted, `unaccounted rows\n${shown}`).toEqual(unaccounted.map(() => 0));
  else if (testCase.args[0] === 'run' && result.code !== 2) throw new Error(`a run that ended with ${result.code} printed no ledger\n${shown}`);
}

/** The `unaccounted` column of a run's summary table, one number per entity; null without a table. */
function unaccountedOf(stdout: string): number[] | null {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => /^entity\s.*\sunaccounted$/.test(line));
  if (header < 0) return null;
  const rows = lines.slice(header + 2).filter((line) => /^\S+\s+\d/.test(line));
  return rows.map((line) => Number(line.trim().split(/\s+/).at(-1)));
}
