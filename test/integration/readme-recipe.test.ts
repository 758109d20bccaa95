/**
 * The README's "Point it at the real systems" recipe, run as written by bash: the exported
 * variables as the README shows them (`LEGACY_URL` naming `${LEGACY_PASSWORD}`), `npx cutover`
 * resolving to the built CLI, against a seeded MariaDB whose user has a password full of reserved
 * characters, into PostgreSQL. Only what cannot be the same here is replaced, each exactly where the
 * README has it: the host names and database names, the user name (unique per run: the servers are
 * shared), and the `…` of the password. `npm ci && npm run build` is left out: the suite builds first.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { seedLegacyMysql } from '../../scripts/seed-legacy-mysql.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, uniqueName, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';

/** Each character a URL reserves, and a quote a shell would trip on if the recipe were wrong. */
const PASSWORD = `Mg7/Rq@x#Tz?Wk:Pv%Yb Hn'${randomBytes(2).toString('hex')}`;
const MYSQL_HOSTS = ['%', 'localhost', '127.0.0.1'] as const;

/** The sh block under the README heading, line by line. */
async function readmeRecipe(): Promise<string[]> {
  const readme = await readFile(packagePath('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Point it at the real systems\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('no ```sh block under "Point it at the real systems" in README.md');
  return block[1]!.trimEnd().split('\n');
}

/** `text` with `from` replaced by `to`, which must occur exactly `times` times. */
function substitute(text: string, from: string, to: string, times = 1): string {
  expect(text.split(from).length - 1, `\`${from}\` in the README recipe`).toBe(times);
  return text.replaceAll(from, to);
}

describeWith(['mysql', 'postgres'])("the README's recipe for the real systems", () => {
  let legacy: TestDatabase;
  let newcrm: TestDatabase;
  let work: string;
  const user = uniqueName('migrator');

  beforeAll(async () => {
    [legacy, newcrm] = await Promise.all([createMysqlDatabase('cutover_recipe_legacy'), createPostgresDatabase('cutover_recipe_newcrm')]);
    await seedLegacyMysql(legacy.url, { customers: 150, opportunities: 150, tickets: 150 });
    await withMysqlAdmin(async (db) => {
      for (const host of MYSQL_HOSTS) {
        await db.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, PASSWORD]);
        await db.query(`GRANT ALL ON \`${legacy.name}\`.* TO ?@?`, [user, host]);
      }
    });
    await withPostgresAdmin(async (db) => {
      await db.query(`CREATE ROLE "${user}" LOGIN`);
      await db.query(`ALTER DATABASE "${newcrm.name}" OWNER TO "${user}"`);
    });
    // A checkout's layout: the example project at mappings/example, `npx cutover` the built CLI.
    work = await mkdtemp(path.join(tmpdir(), 'cutover-recipe-'));
    await cp(packagePath('mappings', 'example'), path.join(work, 'mappings', 'example'), { recursive: true, filter: (source) => path.basename(source) !== '.env' });
    await writeFile(path.join(work, 'package.json'), '{ "name": "cutover-recipe", "private": true }\n');
    await mkdir(path.join(work, 'node_modules', '.bin'), { recursive: true });
    await symlink(packagePath('dist', 'scripts', 'cli.js'), path.join(work, 'node_modules', '.bin', 'cutover'));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([legacy?.drop(), newcrm?.drop()]);
    await withMysqlAdmin(async (db) => {
      for (const host of MYSQL_HOSTS) await db.query('DROP USER IF EXISTS ?@?', [user, host]);
    });
    await withPostgresAdmin((db) => db.query(`DROP ROLE IF EXISTS "${user}"`));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('validates, migrates and reconciles with a password-protected MariaDB user, exit 0', async () => {
    const [install, ...lines] = await readmeRecipe();
    expect(install).toBe('npm ci && npm run build');
    let script = lines.join('\n');
    script = substitute(script, 'legacy-db:3306/legacy_crm', `127.0.0.1:3306/${legacy.name}`);
    script = substitute(script, 'newcrm-db:5432/newcrm', `127.0.0.1:5432/${newcrm.name}`);
    script = substitute(script, 'migrator', user, 2);
    // The README asks for the password percent-encoded; quoted for the shell as a user would.
    script = substitute(script, 'LEGACY_PASSWORD=…', `LEGACY_PASSWORD='${encodeURIComponent(PASSWORD).replaceAll("'", "'\\''")}'`);
    expect(script).toContain("export LEGACY_URL='mysql://");
    expect(script).toContain(':${LEGACY_PASSWORD}@127.0.0.1:3306/');

    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-e', '-c', script],
        {
          cwd: work,
          // npx finds `cutover` in ./node_modules/.bin; offline, it could not fetch anything if it did not.
          env: { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1', npm_config_offline: 'true', npm_config_yes: 'false', npm_config_update_notifier: 'false', npm_config_fund: 'false' },
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
    // bash -e: the script's code is the first command that failed, or reconcile's, the last one.
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    expect(result.stdout).toMatch(/mappings\/example\/cutover\.yaml: valid/);
    expect(result.stdout).toMatch(/^Run 1 \(incremental\) finished/m);
    expect(result.stdout).toMatch(/^Reconciled: every source row is loaded/m);
    expect(result.stdout).toMatch(new RegExp(`legacy +MySQL +mysql://${user}:\\*\\*\\*@127\\.0\\.0\\.1:3306/${legacy.name}`));

    const [loaded] = await queryPostgres(newcrm.url, 'SELECT count(*)::int AS n FROM customers');
    expect(Number(loaded!.n)).toBeGreaterThan(100);
    const [run] = await queryPostgres(newcrm.url, 'SELECT status FROM cutover.runs ORDER BY run_id DESC LIMIT 1');
    expect(run!.status).toBe('succeeded');

    const output = `${result.stdout}\n${result.stderr}`;
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'Mg7', 'Rq', 'Tz?Wk']) expect(output).not.toContain(secret);
  }, 300_000);
});
