/**
 * Deletions in the legacy CRM follow the mapping's `on_delete`: soft-deleted and hard-deleted rows
 * (found by `--detect-deletes`) are archived or deleted in the target, children before parents; a
 * row that comes back is live again; a delete the target refuses waits, with its reason, until the
 * rows pointing at it are gone. Every run reconciles.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('deletions in the legacy CRM', () => {
  let setup: MigrationSetup;
  let source: mysql.Connection;
  const target = (text: string, values: unknown[] = []) => setup.target(text, values);
  const cli = (...args: string[]) => runCli([...args, '-p', setup.projectDir], { env: setup.env() });
  const ids = async (text: string, values: unknown[] = []) => (await target(text, values)).map((row) => Number(row.legacy_id));

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_del', { customers: 2_000, opportunities: 3_000, tickets: 3_000 });
    source = await mysql.createConnection(setup.legacy.url);
  });
  afterAll(async () => {
    await source?.end();
    await setup?.remove();
  });

  async function ledger(runId: number) {
    const rows = await target('SELECT entity, source_deleted::int AS gone, deleted::int AS deleted FROM cutover.run_ledger WHERE run_id = $1 ORDER BY entity', [runId]);
    return Object.fromEntries(rows.map((row) => [row.entity, { gone: row.gone, deleted: row.deleted }]));
  }
  const lastRunId = async () => Number((await target('SELECT max(run_id)::int AS id FROM cutover.runs'))[0]!.id);
  async function reconciles() {
    const reconcile = await cli('reconcile');
    expect(reconcile.code, reconcile.stdout).toBe(0);
  }

  it('archives or deletes what was soft- or hard-deleted, and brings back what returns', async () => {
    const first = await cli('run', '--quiet');
    expect(first.code, first.stderr).toBe(0);
    const customers = await ids('SELECT legacy_id FROM customers ORDER BY legacy_id::int');
    const opportunities = await ids('SELECT legacy_id FROM opportunities ORDER BY legacy_id::int');
    const tickets = await ids('SELECT legacy_id FROM tickets ORDER BY legacy_id::int');
    const pick = (from: number[], offset: number, count: number) => from.filter((_, i) => i % 37 === offset).slice(0, count);
    const soft = { customers: pick(customers, 1, 20), opportunities: pick(opportunities, 1, 10), tickets: pick(tickets, 1, 10) };
    const hard = { customers: pick(customers, 2, 15), opportunities: pick(opportunities, 2, 15), tickets: pick(tickets, 2, 10) };
    const [[returning]] = (await source.query('SELECT * FROM opportunities WHERE id = ?', [hard.opportunities[0]])) as unknown as [Record<string, unknown>[]];

    for (const table of ['customers', 'opportunities', 'tickets'] as const) {
      await source.query(`UPDATE ${table} SET deleted = 1, updated_at = NOW() WHERE id IN (?)`, [soft[table]]);
      await source.query(`DELETE FROM ${table} WHERE id IN (?)`, [hard[table]]);
    }
    const second = await cli('run', '--detect-deletes', '--quiet');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('gone from source');
    expect(await ledger(await lastRunId())).toEqual({
      customers: { gone: 15, deleted: 35 },
      opportunities: { gone: 15, deleted: 25 },
      tickets: { gone: 10, deleted: 20 },
    });
    const archived = (table: string) => ids(`SELECT legacy_id FROM ${table} WHERE archived_at IS NOT NULL ORDER BY legacy_id::int`);
    expect(await archived('customers')).toEqual([...soft.customers, ...hard.customers].sort((a, b) => a - b));
    expect(await archived('tickets')).toEqual([...soft.tickets, ...hard.tickets].sort((a, b) => a - b));
    expect(await ids('SELECT legacy_id FROM opportunities WHERE legacy_id = ANY($1)', [[...soft.opportunities, ...hard.opportunities].map(String)])).toEqual([]);
    expect(await ids('SELECT legacy_id FROM opportunities')).toHaveLength(opportunities.length - 25);
    await reconciles();

    // Nothing changed: nothing is deleted twice.
    const third = await cli('run', '--detect-deletes', '--quiet');
    expect(third.code, third.stderr).toBe(0);
    expect(await ledger(await lastRunId())).toEqual({
      customers: { gone: 0, deleted: 0 },
      opportunities: { gone: 0, deleted: 0 },
      tickets: { gone: 0, deleted: 0 },
    });

    // Un-deleted and re-inserted rows are live again.
    const undeleted = soft.customers.slice(0, 5);
    await source.query('UPDATE customers SET deleted = 0, updated_at = NOW() WHERE id IN (?)', [undeleted]);
    await source.query('INSERT INTO opportunities SET ?', [{ ...returning, updated_at: new Date() }]);
    const fourth = await cli('run', '--detect-deletes', '--quiet');
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(await ids('SELECT legacy_id FROM customers WHERE legacy_id = ANY($1) AND archived_at IS NULL ORDER BY legacy_id::int', [undeleted.map(String)])).toEqual(undeleted);
    expect(await ids('SELECT legacy_id FROM opportunities WHERE legacy_id = $1', [String(hard.opportunities[0])])).toEqual([hard.opportunities[0]]);
    await reconciles();
  });

  it('keeps a parent the target still references, with the reason, and deletes it once its children are gone', async () => {
    const mappingFile = path.join(setup.projectDir, 'customers.yaml');
    const mapping = await readFile(mappingFile, 'utf8');
    await writeFile(mappingFile, mapping.replace('on_delete: archive\narchive_column: archived_at', 'on_delete: delete'));
    const [parent] = await target(`SELECT c.legacy_id, array_agg(o.legacy_id) AS children FROM customers c JOIN opportunities o ON o.customer_id = c.id
      WHERE c.archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = c.id) GROUP BY c.legacy_id ORDER BY c.legacy_id LIMIT 1`);
    const children = (parent!.children as string[]).map(Number);
    await source.query('DELETE FROM customers WHERE id = ?', [Number(parent!.legacy_id)]);

    const refused = await cli('run', '--detect-deletes');
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stderr).toMatch(/1 customers deleted in the legacy CRM are still in the target: it refused to delete them/);
    expect(await ids('SELECT legacy_id FROM customers WHERE legacy_id = $1', [parent!.legacy_id])).toHaveLength(1);
    const [state] = await target("SELECT status, pending_action, detail FROM cutover.id_map WHERE entity = 'customers' AND legacy_key = $1", [parent!.legacy_id]);
    expect(state).toMatchObject({ status: 'deleted', pending_action: 'delete', detail: expect.stringMatching(/refused the row: .*foreign key/) });
    await reconciles();
    // The cutover gate does not pass while a deleted row is still in the target.
    const gate = await cli('final', '--quiet');
    expect(gate.code, gate.stderr).toBe(1);
    expect(gate.stdout).toContain('NOT READY: 1 customers deleted in the legacy CRM are still in the target');

    await source.query('DELETE FROM opportunities WHERE id IN (?)', [children]);
    const done = await cli('run', '--detect-deletes', '--quiet');
    expect(done.code, done.stderr).toBe(0);
    expect(await ids('SELECT legacy_id FROM customers WHERE legacy_id = $1', [parent!.legacy_id])).toEqual([]);
    expect(await ids('SELECT legacy_id FROM opportunities WHERE legacy_id = ANY($1)', [children.map(String)])).toEqual([]);
    expect(await ledger(await lastRunId())).toMatchObject({ customers: { gone: 0, deleted: 1 }, opportunities: { gone: children.length, deleted: children.length } });
    await reconciles();
    const ready = await cli('final', '--quiet');
    expect(ready.code, ready.stdout).toBe(0);
    expect(ready.stdout).toContain('READY: the last sync moved everything and the new CRM agrees with the legacy CRM.');

    // A value changed behind cutover's back fails the gate, named with both values.
    const [victim] = await target('SELECT legacy_id, name FROM customers WHERE archived_at IS NULL ORDER BY legacy_id LIMIT 1');
    await target("UPDATE customers SET name = 'Changed in the new CRM' WHERE legacy_id = $1", [victim!.legacy_id]);
    const changed = await cli('final', '--quiet');
    expect(changed.code, changed.stdout).toBe(1);
    expect(changed.stdout).toContain(`customers ${String(victim!.legacy_id)} name: source ${JSON.stringify(victim!.name)}, target "Changed in the new CRM"`);
    expect(changed.stdout).toMatch(/NOT READY: 1 customers rows differ from the source/);
    await target('UPDATE customers SET name = $2 WHERE legacy_id = $1', [victim!.legacy_id, victim!.name]);

    // A target row removed behind cutover's back fails the gate.
    await target("DELETE FROM tickets WHERE legacy_id = (SELECT min(legacy_id) FROM tickets)");
    const tampered = await cli('final', '--quiet');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/NOT READY: the reconciliation differs/);
  });
});
