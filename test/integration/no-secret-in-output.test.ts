/**
 * No password anywhere: a MariaDB user and a PostgreSQL role whose password holds each of
 * `/ @ # ? : % space` migrate the example project through every command, percent-encoded in
 * `LEGACY_URL` and `NEWCRM_URL`; then raw passwords (one reserved character each), a wrong
 * password, a closed port, a database that does not exist and a table lost between runs go
 * through the commands again. Every output is searched for the password, raw and encoded: stdout,
 * stderr, the project's log and report files, the backup and its manifest, and every row of the
 * state schema.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { describeWith, queryPostgres, uniqueName, withMysqlAdmin, withPostgresAdmin } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

/** Every character a URL reserves, between pieces that are searched for on their own. */
const PASSWORD = `Zq7w/Kx8e@Wm3r#Rv5t?Tn2y:Pj6u%Hb4i Yc9o${randomBytes(2).toString('hex')}`;
const RESERVED = ['/', '@', '#', '?', ':', '%', ' '] as const;
/** A raw password per reserved character, none of them the user's. */
const RAW = RESERVED.map((c, i) => `Fq${i}x${c}Lm${i}z`);
/** A wrong password with the reserved characters a URL parser takes raw. */
const WRONG = 'Ux4d@Gh7k:Wq2n Vb8s';

/** What must appear nowhere: each password whole, percent-encoded, and each piece between reserved characters. */
const SECRETS = [PASSWORD, WRONG, ...RAW].flatMap((p) => [p, encodeURIComponent(p), ...p.split(/[/@#?:% ]/).filter((piece) => piece.length >= 4)]);

const MYSQL_HOSTS = ['%', 'localhost', '127.0.0.1'] as const;

describeWith(['mysql', 'postgres'])('no password in any output, message, file or state row', () => {
  let setup: MigrationSetup;
  let out: string;
  let closedPort: number;
  const user = uniqueName('csec');
  const results: { label: string; result: CliResult }[] = [];
  const encoded = encodeURIComponent(PASSWORD);
  const legacyUrl = (password = encoded, port = 3306, database = setup.legacy.name) => `mysql://${user}:${password}@127.0.0.1:${port}/${database}`;
  const newcrmUrl = (password = encoded, port = 5432, database = setup.newcrm.name) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;

  async function cli(label: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const result = await runCli([...args, '-p', setup.projectDir, '--no-progress'], { env: { LEGACY_URL: legacyUrl(), NEWCRM_URL: newcrmUrl(), ...env } });
    results.push({ label, result });
    return result;
  }
  const expectCode = (result: CliResult, code: number) => expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(code);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_secrets', { customers: 120, opportunities: 120, tickets: 120 });
    out = await mkdtemp(path.join(tmpdir(), 'cutover-secrets-'));
    await withMysqlAdmin(async (db) => {
      for (const host of MYSQL_HOSTS) {
        await db.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, PASSWORD]);
        await db.query(`GRANT ALL ON \`${setup.legacy.name}\`.* TO ?@?`, [user, host]);
      }
    });
    await withPostgresAdmin(async (db) => {
      await db.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${PASSWORD.replaceAll("'", "''")}'`);
      await db.query(`ALTER DATABASE "${setup.newcrm.name}" OWNER TO "${user}"`);
    });
    closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  }, 300_000);

  afterAll(async () => {
    await setup?.remove();
    await withMysqlAdmin(async (db) => {
      for (const host of MYSQL_HOSTS) await db.query('DROP USER IF EXISTS ?@?', [user, host]);
    });
    await withPostgresAdmin((db) => db.query(`DROP ROLE IF EXISTS "${user}"`));
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('migrates with the password percent-encoded, through every command', async () => {
    expectCode(await cli('validate', ['validate']), 0);
    expectCode(await cli('plan', ['plan']), 0);
    expectCode(await cli('run', ['run']), 0);
    const reports = await Promise.all(['json', 'csv', 'html'].map((format) => cli(`reconcile ${format}`, ['reconcile', '--format', format, '--out', path.join(out, `reconcile.${format}`)])));
    for (const report of reports) expectCode(report, 0);
    // The terminal form of the reconciliation, as `final` prints it.
    expectCode(await cli('final', ['final']), 0);
    const rejects = await cli('rejects list', ['rejects', 'list']);
    expectCode(rejects, 0);
    expect(rejects.stdout.split('\n').length).toBeGreaterThan(5); // the seeded CRM has rows to reject
    expectCode(await cli('backup', ['backup', '--to', path.join(out, 'backup')]), 0);
    expectCode(await cli('backup verify', ['backup', 'verify', path.join(out, 'backup'), '--against']), 0);
    expectCode(await cli('status json', ['status', '--json']), 0);
    const [loaded] = await queryPostgres(setup.newcrm.url, 'SELECT count(*)::int AS n FROM customers');
    expect(Number(loaded!.n)).toBeGreaterThan(90);
  }, 400_000);

  it('refuses a raw `/ ? # %` naming the connection, its line, the variable and what to encode; suggests a variable for a URL in cutover.yaml', async () => {
    // One connection per raw password, each from its own variable, and one written in cutover.yaml: one run reports all.
    const file = path.join(setup.projectDir, 'cutover.yaml');
    const written = await readFile(file, 'utf8');
    const extra = RAW.map((_, i) => `  raw${i}: \${RAW_URL_${i}}\n`).join('') + `  literal: 'mysql://${user}:${RAW[0]}@127.0.0.1:3306/${setup.legacy.name}'\n`;
    await writeFile(file, written.replace('connections:\n', `connections:\n${extra}`));
    const first = written.slice(0, written.indexOf('connections:\n')).split('\n').length + 1;
    let result: CliResult;
    try {
      result = await cli('validate, raw passwords', ['validate'], Object.fromEntries(RAW.map((password, i) => [`RAW_URL_${i}`, legacyUrl(password)])));
    } finally {
      await writeFile(file, written);
    }
    expectCode(result, 2);
    for (const [i, character] of RESERVED.entries()) {
      const line = result.stderr.split('\n').find((l) => l.includes(`/connections/raw${i} `));
      if (['@', ':', ' '].includes(character)) {
        expect(line, result.stderr).toBeUndefined();
        continue;
      }
      expect(line, result.stderr).toMatch(new RegExp(`cutover\\.yaml:${first + i}:\\d+ {2}/connections/raw${i} {2}connection \`raw${i}\`: the user name or password in \`mysql://csec_\\w+:\\*\\*\\*@127\\.0\\.0\\.1:3306/\\w+\` holds characters a URL reserves`));
      expect(line).toContain(`\`${character}\` as \`%${character.charCodeAt(0).toString(16).toUpperCase()}\``);
      expect(line).toContain(`the URL comes from \`RAW_URL_${i}\``);
    }
    expect(result.stderr).toContain('keep the password out of cutover.yaml: put the whole URL in an environment variable, e.g. `LITERAL_URL`, and write `literal: ${LITERAL_URL}`');
  }, 300_000);

  it('names the endpoint, not the password, for a wrong password, a closed port, a missing database and a table lost between runs', async () => {
    // In parallel only what cannot meet at the run lock of the one real target.
    const [wrong, closedTarget, noSource, noTarget] = await Promise.all([
      cli('run, wrong password', ['run'], { LEGACY_URL: legacyUrl(WRONG) }),
      cli('status, closed target port', ['status'], { NEWCRM_URL: newcrmUrl(encoded, closedPort) }),
      cli('backup, no such source database', ['backup', '--to', path.join(out, 'backup-none')], { LEGACY_URL: legacyUrl(encoded, 3306, 'no_such_db_x') }),
      cli('reconcile, no such target database', ['reconcile'], { NEWCRM_URL: newcrmUrl(encoded, 5432, 'no_such_db_y') }),
    ]);
    const closedSource = await cli('plan, closed source port', ['plan'], { LEGACY_URL: legacyUrl(encoded, closedPort) });
    expect(wrong.stderr).toMatch(/MySQL 127\.0\.0\.1:3306\/\w+.*: access denied: check the user name and password/);
    expect(closedSource.stderr).toMatch(new RegExp(`MySQL 127\\.0\\.0\\.1:${closedPort}/\\w+.*: connection refused`));
    expect(closedTarget.stderr).toMatch(new RegExp(`PostgreSQL 127\\.0\\.0\\.1:${closedPort}/\\w+.*: connection refused`));
    expect(noSource.stderr).toMatch(/127\.0\.0\.1:3306\/no_such_db_x.*: access to the database denied: does it exist/);
    expect(noTarget.stderr).toMatch(/127\.0\.0\.1:5432\/no_such_db_y.*: database does not exist/);
    for (const result of [wrong, closedSource, closedTarget, noSource, noTarget]) expectCode(result, 2);

    await withMysqlAdmin((db) => db.query('RENAME TABLE tickets TO tickets_moved'), setup.legacy.url);
    const lost = await cli('run, a table lost', ['run', '--full']);
    await withMysqlAdmin((db) => db.query('RENAME TABLE tickets_moved TO tickets'), setup.legacy.url);
    expectCode(lost, 2);
    expect(lost.stderr).toMatch(/tickets/);

    // A driver error mid-run, after the run was recorded: a changed ticket the target refuses to take.
    await withMysqlAdmin((db) => db.query("UPDATE tickets SET subject = CONCAT(subject, ' (again)'), updated_at = NOW() ORDER BY id LIMIT 3"), setup.legacy.url);
    await queryPostgres(setup.newcrm.url, `REVOKE INSERT, UPDATE ON tickets FROM "${user}"`);
    const refused = await cli('run, the target refuses a table', ['run']);
    await queryPostgres(setup.newcrm.url, `GRANT INSERT, UPDATE ON tickets TO "${user}"`);
    expectCode(refused, 2);
    expect(refused.stderr).toMatch(/permission denied/);
    // The failed runs, with their error text, as `status` shows them.
    const status = await cli('status after failures', ['status']);
    expectCode(status, 0);
    expect(status.stdout).toContain('failed');
  }, 400_000);

  it('leaves the password in no stdout, stderr, log, report, backup file or state row', async () => {
    const texts: { where: string; text: string }[] = results.flatMap(({ label, result }) => [
      { where: `${label}: stdout`, text: result.stdout },
      { where: `${label}: stderr`, text: result.stderr },
    ]);
    // cutover.yaml and the mappings are the user's own input; everything else in the project folder the CLI wrote.
    for (const file of await filesUnder(setup.projectDir)) {
      if (!/\.ya?ml$/.test(file)) texts.push({ where: file, text: await readFile(file, 'latin1') });
    }
    for (const file of await filesUnder(out)) texts.push({ where: file, text: await readFile(file, 'latin1') });
    const tables = await queryPostgres(setup.newcrm.url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'cutover'");
    for (const { table_name: table } of tables) {
      const rows = await queryPostgres(setup.newcrm.url, `SELECT t::text AS row FROM cutover."${String(table)}" t`);
      texts.push({ where: `cutover.${String(table)}`, text: rows.map((r) => String(r.row)).join('\n') });
    }
    const leaks = texts.flatMap(({ where, text }) => SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${where}: ${JSON.stringify(secret)}`));
    expect(leaks).toEqual([]);
    expect(results.length).toBe(20); // every command above ran
    expect(texts.find((t) => t.where.endsWith(path.join('.cutover', 'cutover.log')))?.text).toContain('"level":"error"'); // the failures were logged
    expect(texts.find((t) => t.where === 'cutover.runs')?.text).toContain('failed'); // with their error text
    expect(texts.find((t) => t.where === 'cutover.rejects')?.text.length).toBeGreaterThan(0);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
