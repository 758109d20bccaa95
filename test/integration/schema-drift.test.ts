/**
 * Schema drift in the legacy CRM between runs is reported before any row moves: added and retyped
 * columns are warnings, a removed mapped column stops the run with nothing written.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('schema drift', () => {
  let setup: MigrationSetup;
  const cli = (...args: string[]) => runCli([...args, '-p', setup.projectDir], { env: setup.env() });
  const alter = async (statement: string) => {
    const connection = await mysql.createConnection(setup.legacy.url);
    await connection.query(statement).finally(() => connection.end());
  };

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_drift', { customers: 500, opportunities: 500, tickets: 500 });
  });
  afterAll(async () => {
    await setup?.remove();
  });

  it('warns about added and retyped columns and stops on a removed mapped one', async () => {
    const first = await cli('run', '--quiet');
    expect(first.code, first.stderr).toBe(0);

    await alter('ALTER TABLE customers ADD COLUMN fax VARCHAR(40) NULL, ADD COLUMN wechat VARCHAR(40) NULL, MODIFY notes MEDIUMTEXT NULL');
    const second = await cli('run');
    expect(second.code, second.stderr).toBe(0);
    const warnings = second.stderr.split('\n').filter((line) => line.includes('schema drift'));
    expect(warnings).toEqual([
      expect.stringMatching(/WARN +customers: schema drift in legacy\/customers: columns `fax`, `wechat` added since the last run; not migrated until mapped$/),
      expect.stringMatching(/WARN +customers: schema drift in legacy\/customers: column `notes` changed from text NULL to mediumtext NULL; it is mapped: check its transforms$/),
    ]);
    // Reported once: the next run compares with what this one saw.
    const third = await cli('run');
    expect(third.stderr).not.toContain('schema drift');

    const runsBefore = await setup.target('SELECT count(*)::int AS n FROM cutover.runs');
    await alter('ALTER TABLE customers DROP COLUMN industry');
    const stopped = await cli('run');
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toMatch(/customers\.yaml: source legacy\/customers has no column `industry`/);
    expect(stopped.stderr).toContain('nothing was written');
    expect(await setup.target('SELECT count(*)::int AS n FROM cutover.runs')).toEqual(runsBefore);
  });
});
