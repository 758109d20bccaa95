/**
 * The example project on MariaDB (mappings/example-mysql): its migrations apply through the sink,
 * once, and its tables take every row the example's mappings make of a generated legacy CRM, with
 * values reconcile then finds equal. The run itself (`cutover run -p mappings/example-mysql`) waits
 * for the runner to use connectors/sink.ts; this drives the sink as the runner will.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import type { MysqlSink } from '../../connectors/mysql/mysql-sink.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { packagePath } from '../../pipelines/package-root.js';
import { canonicalValue, rowDigest, rowText } from '../../pipelines/reconcile/canonical-value.js';
import { generateLegacyCrm } from '../../scripts/legacy-crm/generate.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping, type MappedRow } from '../../transforms/mapping-engine.js';
import { createMysqlDatabase, describeWith, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

const PROJECT = packagePath('mappings', 'example-mysql');

/** The rows a run would write: mapped, not soft-deleted or filtered, valid by the mapping's schema, lookups resolved through `ids`. */
function mappedRows(mapping: EntityMapping, source: Iterable<Record<string, unknown>>, ids: ReadonlyMap<string, ReadonlyMap<string, string>>): MappedRow[] {
  const compiled = compileMapping(mapping);
  const rows: MappedRow[] = [];
  for (const data of source) {
    const row = { key: String(data.id), data, origin: `${mapping.entity} id=${String(data.id)}` };
    if (compiled.isSoftDeleted(row) || compiled.filterReason(row) !== null) continue;
    const result = compiled.map(row);
    if ('stage' in result) continue;
    const values = { ...result.values };
    let orphan = false;
    for (const lookup of compiled.lookups) {
      const legacy = values[lookup.field];
      if (legacy === null || legacy === undefined) continue;
      const id = ids.get(lookup.entity)?.get(String(legacy));
      if (id === undefined) orphan = true;
      else values[lookup.field] = id;
    }
    if (orphan || (mapping.validate && [...mapping.validate.check(values)].length > 0)) continue;
    rows.push({ ...result, values });
  }
  return rows;
}

describeWith(['mysql'])('the example project on MariaDB', () => {
  let database: TestDatabase;
  let sink: MysqlSink;

  beforeAll(async () => {
    database = await createMysqlDatabase('cutover_example_mysql');
    sink = (await mysqlConnector.createSink!(mysqlConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: PROJECT }))) as MysqlSink;
  });
  afterAll(async () => {
    await sink?.close();
    await database?.drop();
  });

  it('uses the example\'s mappings, a state beside the target, and migrations of its own', async () => {
    const written = parse(await readFile(path.join(PROJECT, 'cutover.yaml'), 'utf8')) as { entities: string[]; target: { state?: string; migrations?: string } };
    expect(written.entities.map((file) => path.resolve(PROJECT, file))).toEqual(['customers', 'opportunities', 'tickets'].map((name) => packagePath('mappings', 'example', `${name}.yaml`)));
    expect(written.target.state).toMatch(/pglite:\/\//);
    expect(mysqlConnector.sinkState).toBe('beside');
    expect(sink.capabilities.state).toBe('beside');
  });

  it('applies its migrations once each, in order', async () => {
    const dir = path.join(PROJECT, 'migrations');
    expect(await sink.applyMigrations(dir, 'cutover')).toEqual(['001_customers.sql', '002_opportunities.sql', '003_tickets.sql']);
    expect(await sink.applyMigrations(dir, 'cutover')).toEqual([]);
    const [tables] = await withMysqlAdmin((c) => c.query('SELECT TABLE_NAME AS t, ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'), database.url);
    expect((tables as { t: string }[]).sort((a, b) => (a.t < b.t ? -1 : 1))).toEqual(['customers', 'cutover_target_migrations', 'opportunities', 'tickets'].map((t) => ({ t, e: 'InnoDB' })));
  });

  it('takes every row the mappings make of a generated legacy CRM, with the values reconcile expects', async () => {
    // The mappings are the example's; loaded from there, as mappings/example-mysql names them.
    const project = await loadProject(packagePath('mappings', 'example'), { env: {} });
    const crm = generateLegacyCrm({ seed: 7, customers: 400, opportunities: 700, tickets: 900 });
    const sources: Record<string, () => Iterable<Record<string, unknown>>> = {
      customers: () => crm.customers.map((row) => ({ ...row })),
      opportunities: () => [...crm.opportunities()].map((row) => ({ ...row })),
      tickets: () => [...crm.tickets()].map((row) => ({ ...row })),
    };
    const ids = new Map<string, Map<string, string>>();
    for (const mapping of project.entities) {
      const rows = mappedRows(mapping, sources[mapping.entity]!(), ids);
      expect(rows.length, mapping.entity).toBeGreaterThan(100);
      const outcomes = await sink.write(async (writer) => {
        const all = [];
        for (let start = 0; start < rows.length; start += 250) all.push(...(await writer.upsert(mapping.target, rows.slice(start, start + 250).map((row) => row.values))));
        return all;
      });
      expect(outcomes.filter((o) => !o.ok), mapping.entity).toEqual([]);
      ids.set(mapping.entity, new Map(rows.map((row, i) => [row.key, (outcomes[i] as { id: string }).id])));

      const columns = compileMapping(mapping).columns;
      const probe = await sink.contentProbe(mapping.target, columns);
      const expected = rows.map((row) => rowDigest(rowText(probe.columns.map((c) => canonicalValue(row.values[c.name], c.kind)))));
      const keys = rows.map((row) => String(row.values[mapping.target.key]));
      const checksum = await probe.checksum(keys);
      if (checksum.sum !== expected.reduce((a, b) => a + b, 0n)) {
        // Name the first differing column, not only the sums.
        const found = await probe.rows(keys.slice(0, 200));
        for (const row of rows.slice(0, 200)) {
          for (const c of probe.columns) expect(found.get(String(row.values[mapping.target.key]))?.canonical[c.name], `${mapping.entity} ${row.key} ${c.name}`).toBe(canonicalValue(row.values[c.name], c.kind));
        }
      }
      expect(checksum).toEqual({ count: rows.length, sum: expected.reduce((a, b) => a + b, 0n) });
      expect(await sink.countRows(mapping.target)).toBe(rows.length);
    }
  });
});
