/**
 * The foundation path end to end, as a data engineer runs it: the generated legacy CRM seeded into
 * MariaDB (`legacy_crm`), migrated by the CLI with the bundled example mappings into PostgreSQL,
 * then checked with SQL against the generator's ground truth.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const ENTITIES = ['customers', 'opportunities', 'tickets'] as const;
type Entity = (typeof ENTITIES)[number];

describeWith(['mysql', 'postgres'])('legacy_crm (MariaDB) ▸ PostgreSQL with the example mappings', () => {
  let setup: MigrationSetup;
  let first: CliResult;
  const env = () => setup.env();
  const sql = (text: string) => setup.target(text);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_e2e');
    first = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
  });

  afterAll(async () => {
    await setup?.remove();
  });

  it('runs, exits 0 and prints a ledger with nothing unaccounted', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const entity of ENTITIES) expect(first.stdout).toMatch(new RegExp(`^${entity}\\s+[\\d,]+\\s.*\\s0$`, 'm'));
  });

  it('loads every row that is not soft-deleted, rejected or merged: target rows + rejects + soft-deleted + merged = source rows (SQL)', async () => {
    for (const entity of ENTITIES) {
      const [target] = await sql(`SELECT count(*)::int AS n FROM public.${entity}`);
      const [rejects] = await sql(`SELECT count(*)::int AS n FROM cutover.rejects WHERE entity = '${entity}'`);
      const [merges] = await sql(`SELECT count(*)::int AS n FROM cutover.id_map WHERE entity = '${entity}' AND status = 'merged'`);
      const loaded = Number(target!.n);
      const rejected = Number(rejects!.n);
      const merged = Number(merges!.n);
      const softDeleted = setup.seed.groundTruth[entity].softDeleted.length;
      expect({ entity, total: loaded + rejected + softDeleted + merged }).toEqual({ entity, total: setup.seed.counts[entity] });
      // Every copy in the ground truth is merged (copies are never rejected for other reasons), and nothing else.
      const copies = entity === 'customers' ? setup.seed.groundTruth.customers.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0) : 0;
      expect({ entity, merged }).toEqual({ entity, merged: copies });
      const [ids] = await sql(`SELECT count(*)::int AS n FROM cutover.id_map WHERE entity = '${entity}' AND status IN ('inserted', 'updated', 'unchanged', 'loaded')`);
      expect(Number(ids!.n)).toBe(loaded);
    }
  });

  it('rejects exactly the ground truth: invalid e-mails, unmappable codes and orphans, each with key, stage and reason', async () => {
    const truth = setup.seed.groundTruth;
    const expected: Record<Entity, number[]> = {
      customers: [...truth.customers.invalidEmail, ...truth.customers.unmappableStatus],
      opportunities: [...truth.opportunities.unmappableStage, ...truth.opportunities.orphans],
      tickets: [...truth.tickets.unmappableStatus, ...truth.tickets.orphans],
    };
    const rows = await sql('SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key');
    for (const entity of ENTITIES) {
      const keys = rows.filter((r) => r.entity === entity).map((r) => Number(r.legacy_key)).sort((a, b) => a - b);
      expect({ entity, keys }).toEqual({ entity, keys: [...expected[entity]].sort((a, b) => a - b) });
    }
    expect(rows.filter((r) => typeof r.reason !== 'string' || r.reason === '' || typeof r.stage !== 'string')).toEqual([]);
    const stageOf = (entity: Entity, key: number) => rows.find((r) => r.entity === entity && Number(r.legacy_key) === key)?.stage;
    expect(new Set(truth.customers.invalidEmail.map((key) => stageOf('customers', key)))).toEqual(new Set(['map']));
    expect(new Set(truth.opportunities.orphans.map((key) => stageOf('opportunities', key)))).toEqual(new Set(['resolve']));
    expect(new Set(truth.tickets.orphans.map((key) => stageOf('tickets', key)))).toEqual(new Set(['resolve']));
  });

  it('points every loaded child at its loaded parent, the children of merged customers at the survivor', async () => {
    const [dangling] = await sql(`SELECT
        (SELECT count(*)::int FROM public.opportunities o WHERE NOT EXISTS (SELECT 1 FROM public.customers c WHERE c.id = o.customer_id)) AS opportunities,
        (SELECT count(*)::int FROM public.tickets t WHERE t.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.customers c WHERE c.id = t.customer_id)) AS tickets`);
    expect(dangling).toEqual({ opportunities: 0, tickets: 0 });
    // Each child's legacy customer, followed through the id map (merged ones to their survivor), is the customer it points at.
    for (const child of ['opportunities', 'tickets']) {
      const [followed] = await sql(`SELECT count(*)::int AS children,
          count(*) FILTER (WHERE parent.status = 'merged')::int AS of_merged,
          count(*) FILTER (WHERE t.customer_id IS DISTINCT FROM parent.target_id::uuid)::int AS wrong,
          count(*) FILTER (WHERE survivor.legacy_id = m.refs->>'customer_id' AND parent.status = 'merged')::int AS at_merged_away
        FROM public.${child} t
        JOIN cutover.id_map m ON m.entity = '${child}' AND m.legacy_key = t.legacy_id
        JOIN cutover.id_map parent ON parent.entity = 'customers' AND parent.legacy_key = m.refs->>'customer_id'
        JOIN public.customers survivor ON survivor.id = t.customer_id`);
      expect(followed!.wrong).toBe(0);
      expect(followed!.at_merged_away).toBe(0);
      expect(followed!.of_merged).toBeGreaterThan(0);
    }
  });

  it('reconciles (exit 0), and a second run changes nothing', async () => {
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir, '--format', 'json'], { env: env() });
    expect(reconcile.code).toBe(0);
    const report = JSON.parse(reconcile.stdout) as { entities: { entity: string; unaccounted: number; source: number }[] };
    expect(report.entities.map((e) => [e.entity, e.source, e.unaccounted])).toEqual(ENTITIES.map((entity) => [entity, setup.seed.counts[entity], 0]));

    const before = await sql('SELECT count(*)::int AS n, max(xmin::text::bigint) AS last_write FROM public.customers');
    const again = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^customers\s+[\d,]+\s+0\s+0\s/m);
    expect(await sql('SELECT count(*)::int AS n, max(xmin::text::bigint) AS last_write FROM public.customers')).toEqual(before);
  });
});
