/**
 * Where batches begin and end never changes a cluster. A de-duplicated entity is planned while the
 * batch before it commits, matched against the state as that commit will leave it: with batches
 * of 37 records (160 of them overlapping their predecessor's commit) the run must end exactly as
 * one that reads each entity in a single batch (nothing overlaps): the same clusters and anchors,
 * the same merges, the same target rows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('dedupe and batch boundaries', () => {
  let setup: MigrationSetup;
  let small: { dir: string; remove(): Promise<void> };
  let smallTarget: TestDatabase;

  beforeAll(async () => {
    [setup, small, smallTarget] = await Promise.all([
      createMigrationSetup('cutover_boundaries', { customers: 6_000, opportunities: 600, tickets: 600 }),
      copyExampleProject(),
      createPostgresDatabase('cutover_boundaries_small'),
    ]);
    for (const [dir, size] of [
      [setup.projectDir, 10_000],
      [small.dir, 37],
    ] as const) {
      const file = path.join(dir, 'cutover.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('batch_size: 2000', `batch_size: ${size}`));
    }
  });
  afterAll(async () => {
    await Promise.all([setup?.remove(), small?.remove(), smallTarget?.drop()]);
  });

  it('gives the same clusters, merges and target rows with batches of 37 as in one batch per entity', async () => {
    const large = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: setup.env() });
    expect(large.code, large.stderr).toBe(0);
    const run = await runCli(['run', '-p', small.dir, '--quiet'], { env: { ...setup.env(), NEWCRM_URL: smallTarget.url } });
    expect(run.code, run.stderr).toBe(0);

    const snapshot = async (url: string) => ({
      clusters: await queryPostgres(url, "SELECT legacy_key, anchor_key FROM cutover.dedupe_records WHERE entity = 'customers' ORDER BY legacy_key"),
      merges: await queryPostgres(url, "SELECT legacy_key, anchor_key, rule, round(score::numeric, 6) AS score FROM cutover.merges WHERE entity = 'customers' ORDER BY legacy_key"),
      // Children's row hashes cover their parents' target ids, which differ between the two targets.
      idMap: await queryPostgres(url, "SELECT entity, legacy_key, status, owns_row, CASE WHEN entity = 'customers' THEN row_hash END AS row_hash FROM cutover.id_map ORDER BY entity, legacy_key"),
      customers: await queryPostgres(url, 'SELECT legacy_id, name, email, phone, mobile, city, notes, updated_at::text FROM public.customers ORDER BY legacy_id'),
      children: await queryPostgres(
        url,
        `SELECT o.legacy_id, c.legacy_id AS customer FROM public.opportunities o JOIN public.customers c ON c.id = o.customer_id
         UNION ALL SELECT t.legacy_id, c.legacy_id FROM public.tickets t JOIN public.customers c ON c.id = t.customer_id ORDER BY 1, 2`,
      ),
    });
    const [reference, batched] = await Promise.all([snapshot(setup.newcrm.url), snapshot(smallTarget.url)]);
    expect(reference.merges.length).toBeGreaterThan(300);
    expect(batched.clusters).toEqual(reference.clusters);
    expect(batched.merges).toEqual(reference.merges);
    expect(batched.idMap).toEqual(reference.idMap);
    expect(batched.customers).toEqual(reference.customers);
    expect(batched.children).toEqual(reference.children);
  });
});
