/**
 * The sample legacy CRM from MariaDB into a MariaDB target (another database), with the bundled
 * mappings/example-mysql project: de-duplication, hard and soft deletions, review decisions of
 * both kinds, and reconcile with values, all through the CLI as a data engineer runs it. The state
 * lives beside the target, in the project's PGlite folder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import Papa from 'papaparse';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedLegacyMysql, type SeedSummary } from '../../scripts/seed-legacy-mysql.js';
import { copyBundledProject, runCli } from '../support/cli.js';
import { createMysqlDatabase, describeWith, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

describeWith(['mysql'])('legacy_crm (MariaDB) ▸ MariaDB with mappings/example-mysql', () => {
  let legacy: TestDatabase;
  let newcrm: TestDatabase;
  let project: Awaited<ReturnType<typeof copyBundledProject>>;
  let seed: SeedSummary;
  const env = () => ({ LEGACY_URL: legacy.url, NEWCRM_URL: newcrm.url });
  const target = async (text: string): Promise<Record<string, unknown>[]> =>
    withMysqlAdmin(async (connection) => (await connection.query(text))[0] as Record<string, unknown>[], newcrm.url);
  const reconcile = async () => {
    const result = await runCli(['reconcile', '-p', project.dir, '--format', 'json'], { env: env() });
    const report = JSON.parse(result.stdout) as { entities: { entity: string; unaccounted: number; reconciled: boolean; values: { compared: boolean; rowsCompared: number; differingRows: number } }[] };
    return { code: result.code, report, values: report.entities.map((e) => [e.entity, e.values.compared, e.values.differingRows, e.values.rowsCompared > 0]) };
  };

  beforeAll(async () => {
    [legacy, newcrm, project] = await Promise.all([createMysqlDatabase('cutover_m2m_legacy'), createMysqlDatabase('cutover_m2m_newcrm'), copyBundledProject('example-mysql')]);
    seed = await seedLegacyMysql(legacy.url, { customers: 3_000, opportunities: 4_000, tickets: 5_000 });
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), newcrm?.drop(), project?.remove()]);
  });

  it('loads every entity, merges exactly the generated duplicates, and reconciles with values', { timeout: 300_000 }, async () => {
    const run = await runCli(['run', '-p', project.dir, '--quiet'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const copies = seed.groundTruth.customers.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0);
    const [customers] = await target('SELECT count(*) AS n FROM customers');
    expect(Number(customers!.n)).toBe(seed.counts.customers - copies - seed.groundTruth.customers.softDeleted.length - seed.groundTruth.customers.invalidEmail.length - seed.groundTruth.customers.unmappableStatus.length);
    // Every child points at a customer row that exists in the target.
    const [dangling] = await target('SELECT count(*) AS n FROM opportunities o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL');
    expect(Number(dangling!.n)).toBe(0);
    const { code, report, values } = await reconcile();
    expect(code, JSON.stringify(report)).toBe(0);
    expect(values).toEqual(['customers', 'opportunities', 'tickets'].map((entity) => [entity, true, 0, true]));
    expect(report.entities.map((e) => [e.entity, e.unaccounted, e.reconciled])).toEqual([
      ['customers', 0, true],
      ['opportunities', 0, true],
      ['tickets', 0, true],
    ]);
  });

  it('applies hard and soft deletions, and review decisions of both kinds, then still reconciles', { timeout: 300_000 }, async () => {
    const reviewFile = path.join(project.dir, 'review', 'customers.csv');
    const parsed = Papa.parse<Record<string, string>>((await readFile(reviewFile, 'utf8')).replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
    const toMerge = parsed.data.find((row) => row.status === 'to review');
    const toSplit = parsed.data.find((row) => row.status === 'merged');
    expect(toMerge, 'a pair to review').toBeDefined();
    expect(toSplit, 'a merge to check').toBeDefined();
    toMerge!.decision = 'merge';
    toSplit!.decision = 'keep apart';
    await writeFile(reviewFile, Papa.unparse({ fields: parsed.meta.fields!, data: parsed.data }));

    const [live] = await target('SELECT legacy_id FROM customers WHERE archived_at IS NULL ORDER BY legacy_id + 0 DESC LIMIT 1');
    const archivedKey = String(live!.legacy_id);
    const [opportunity] = await target('SELECT legacy_id FROM opportunities ORDER BY legacy_id + 0 LIMIT 1');
    const deletedOpportunity = String(opportunity!.legacy_id);
    await withMysqlAdmin(async (connection) => {
      await connection.query('UPDATE customers SET deleted = 1, updated_at = NOW() WHERE id = ?', [Number(archivedKey)]);
      await connection.query('DELETE FROM opportunities WHERE id = ?', [Number(deletedOpportunity)]);
    }, legacy.url);

    const run = await runCli(['run', '-p', project.dir, '--detect-deletes', '--quiet'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const log = await readFile(path.join(project.dir, '.cutover', 'cutover.log'), 'utf8');
    expect(log).toMatch(/review decisions applied to customers: 1 merged, 1 kept apart/);

    const byKey = async (keys: readonly string[]) => new Set((await target(`SELECT legacy_id FROM customers WHERE legacy_id IN (${keys.map((k) => mysql.escape(k)).join(', ')})`)).map((row) => String(row.legacy_id)));
    // merge: one of the two keeps a row; keep apart: both own one
    expect((await byKey([toMerge!.key_a!, toMerge!.key_b!])).size).toBe(1);
    expect(await byKey([toSplit!.key_a!, toSplit!.key_b!])).toEqual(new Set([toSplit!.key_a, toSplit!.key_b]));
    const [archived] = await target(`SELECT archived_at FROM customers WHERE legacy_id = ${mysql.escape(archivedKey)}`);
    expect(archived!.archived_at).not.toBeNull();
    expect(await target(`SELECT 1 FROM opportunities WHERE legacy_id = ${mysql.escape(deletedOpportunity)}`)).toEqual([]);

    const { code, report, values } = await reconcile();
    expect(code, JSON.stringify(report)).toBe(0);
    expect(values).toEqual(['customers', 'opportunities', 'tickets'].map((entity) => [entity, true, 0, true]));
    expect(report.entities.every((e) => e.unaccounted === 0 && e.reconciled)).toBe(true);
  });
});
