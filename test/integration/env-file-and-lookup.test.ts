/**
 * The built CLI without `-p`: from a folder inside a project it finds the nearest cutover.yaml
 * above it, reads the `.env` beside it (the environment wins), migrates and reconciles; outside
 * any project it says where it looked; a malformed `.env` line is one located problem.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

const expectCode = (result: CliResult, code: number) => expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(code);

describeWith(['postgres'])('.env and the nearest cutover.yaml', () => {
  let root: string;
  let projectDir: string;
  let inside: string;
  let target: TestDatabase;
  let dotEnv: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cutover-lookup-'));
    projectDir = path.join(root, 'project');
    await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), projectDir, { recursive: true });
    inside = path.join(projectDir, 'notes', '2024');
    await mkdir(inside, { recursive: true });
    target = await createPostgresDatabase('cutover_dotenv');
    // The target URL from pieces, one of them a variable of its own; the export folder quoted.
    dotEnv = [
      '# written by hand, never committed',
      `export TARGET_DB=${target.name}`,
      `NEWCRM_URL="${target.url.replace(target.name, '${TARGET_DB}')}"`,
      "EXPORT_DIR='export'",
      'LEGACY_URL=file://./${EXPORT_DIR}   # the CSV and JSON Lines export',
      '',
    ].join('\n');
    await writeFile(path.join(projectDir, '.env'), dotEnv);
  });

  afterAll(async () => {
    await target?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('runs and reconciles from a folder below the project, with the URLs of its .env', async () => {
    const validate = await runCli(['validate'], { cwd: inside });
    expectCode(validate, 0);
    expect(validate.stdout).toContain(`${path.join(projectDir, 'cutover.yaml')}: valid`);
    expect(validate.stdout).toMatch(new RegExp(`newcrm +PostgreSQL +postgres://\\S+@127\\.0\\.0\\.1:5432/${target.name}`));

    expectCode(await runCli(['run', '--no-progress'], { cwd: inside }), 0);
    const [loaded] = await queryPostgres(target.url, 'SELECT count(*)::int AS n FROM customers');
    expect(Number(loaded!.n)).toBeGreaterThan(0);
    expectCode(await runCli(['reconcile'], { cwd: inside }), 0);
  });

  it('takes a variable from the environment over the same one in .env', async () => {
    const result = await runCli(['validate'], { cwd: inside, env: { NEWCRM_URL: 'pglite://./elsewhere' } });
    expectCode(result, 0);
    expect(result.stdout).toMatch(/newcrm +PGlite[^\n]*pglite:\/\/\.\/elsewhere/);
    expect(result.stdout).not.toContain(target.name);
  });

  it('names a CUTOVER_PROJECT that does not exist rather than looking further', async () => {
    const result = await runCli(['validate'], { cwd: inside, env: { CUTOVER_PROJECT: path.join(root, 'no-such-project') } });
    expectCode(result, 2);
    expect(result.stderr).toContain(`${path.join(root, 'no-such-project')}  /  no such file or folder`);
  });

  it('refuses a malformed .env line with its file and line, and never its text', async () => {
    const file = path.join(projectDir, '.env');
    await writeFile(file, `${dotEnv}NEWCRM_PASSWORD Sw0rdf1sh-9\n`);
    try {
      const result = await runCli(['validate'], { cwd: inside });
      expectCode(result, 2);
      expect(result.stderr).toBe('Configuration is invalid (1 problem); nothing was run:\n  ../../.env:6:1  /  expected KEY=VALUE (this line has no `=`)\n');
    } finally {
      await writeFile(file, dotEnv);
    }
    expect(await readFile(file, 'utf8')).toBe(dotEnv);
  });

  it('says where it looked when no folder up to the root holds a cutover.yaml', async () => {
    const nowhere = path.join(root, 'elsewhere', 'deeper');
    await mkdir(nowhere, { recursive: true });
    for (const command of [['validate'], ['status']]) {
      const result = await runCli(command, { cwd: nowhere });
      expectCode(result, 2);
      expect(result.stderr).toBe(
        `cutover: no cutover.yaml in ${nowhere} or any folder above it (up to /)\n` +
          '  run cutover inside a project folder, or name one with -p DIR or CUTOVER_PROJECT; nothing was run\n',
      );
    }
  });
});
