/**
 * Duplicates across runs and review decisions, on MariaDB ▸ PostgreSQL: a copy arriving in a later
 * run merges into the customer loaded before (found through the match-key index), its new
 * opportunity points at the survivor; a merge is explained by `status --merges` and undone by
 * `keep apart` in the review file; a pair marked `merge` is merged, children follow; decisions are
 * remembered, and every run reconciles.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('de-duplication across runs and review decisions', () => {
  let setup: MigrationSetup;
  let source: mysql.Connection;
  const target = (text: string, values: unknown[] = []) => setup.target(text, values);
  const cli = (...args: string[]) => runCli([...args, '-p', setup.projectDir], { env: setup.env() });
  const reviewFile = () => path.join(setup.projectDir, 'review', 'customers.csv');
  async function run() {
    const result = await cli('run', '--quiet');
    expect(result.code, result.stderr).toBe(0);
    const reconcile = await cli('reconcile');
    expect(reconcile.code, reconcile.stdout).toBe(0);
  }
  const customerIdOf = async (legacyKey: string) => (await target("SELECT target_id, status FROM cutover.id_map WHERE entity = 'customers' AND legacy_key = $1", [legacyKey]))[0];
  const parentOf = async (opportunity: string) => String((await target('SELECT customer_id FROM opportunities WHERE legacy_id = $1', [opportunity]))[0]!.customer_id);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_dedupe', { customers: 3_000, opportunities: 3_000, tickets: 500 });
    source = await mysql.createConnection(setup.legacy.url);
  });
  afterAll(async () => {
    await source?.end();
    await setup?.remove();
  });

  it('merges a copy that arrives in a later run into the customer loaded before; its children follow', async () => {
    await run();
    const [original] = (await source.query("SELECT * FROM customers WHERE deleted = 0 AND email LIKE '%@%.%' AND status IN ('A','I','P','L') ORDER BY id LIMIT 1")) as unknown as [Record<string, unknown>[]];
    const survivor = String(original![0]!.id);
    const before = await customerIdOf(survivor);
    await source.query('INSERT INTO customers SET ?', [{ ...original![0], id: 900_001, customer_no: 'C-900001', email: String(original![0]!.email).toUpperCase(), phone: null, mobile: null, notes: 'typed again', updated_at: new Date() }]);
    await source.query('INSERT INTO opportunities (id, customer_id, name, amount, currency, stage, probability, owner, created_at, updated_at, deleted) VALUES (900001, 900001, ?, ?, ?, ?, 10, ?, NOW(), NOW(), 0)', ['Follow-up deal', '1000.00', 'CNY', '01-PROSPECTING', 'wang.wei']);
    await run();
    expect(await customerIdOf('900001')).toEqual({ target_id: before!.target_id, status: 'merged' });
    expect(await target('SELECT count(*)::int AS n FROM customers WHERE legacy_id = $1', ['900001'])).toEqual([{ n: 0 }]);
    expect(await parentOf('900001')).toBe(before!.target_id);
    const [row] = await target('SELECT notes FROM customers WHERE id = $1', [before!.target_id]);
    expect(String(row!.notes)).toContain('typed again');

    const [{ anchor_key: anchor }] = (await target("SELECT anchor_key FROM cutover.dedupe_records WHERE entity = 'customers' AND legacy_key = $1", [survivor])) as [{ anchor_key: string }];
    const merges = await cli('status', '--merges');
    expect(merges.stdout).toMatch(new RegExp(`^customers +${anchor} +900001 +same e-mail +1\\.000 `, 'm'));
  });

  it('undoes a merge marked `keep apart`, merges a pair marked `merge`, and remembers both', async () => {
    const [merged] = await target(`SELECT m.legacy_key, m.anchor_key, o.legacy_id AS child FROM cutover.merges m
        JOIN cutover.id_map c ON c.entity = 'opportunities' AND c.refs->>'customer_id' = m.legacy_key
        JOIN opportunities o ON o.legacy_id = c.legacy_key
      WHERE m.entity = 'customers' AND m.legacy_key <> '900001' ORDER BY m.legacy_key LIMIT 1`);
    const [apart, anchor, child] = [String(merged!.legacy_key), String(merged!.anchor_key), String(merged!.child)];
    // Decide in the file as a person would: the decision cell of a line to review, and of the merged line.
    const lines = (await readFile(reviewFile(), 'utf8')).split('\r\n');
    const toReview = lines.findIndex((line) => line.startsWith(',to review,'));
    const mergedLine = lines.findIndex((line) => line.startsWith(`,merged,`) && line.includes(`,${anchor},${apart},`));
    expect(toReview).toBeGreaterThan(0);
    expect(mergedLine).toBeGreaterThan(0);
    const [, , , , a, b] = lines[toReview]!.split(',');
    lines[toReview] = `merge${lines[toReview]}`;
    lines[mergedLine] = `keep apart${lines[mergedLine]}`;
    await writeFile(reviewFile(), lines.join('\r\n'));
    const rowsBefore = Number((await target('SELECT count(*)::int AS n FROM customers'))[0]!.n);

    await run();
    const split = await customerIdOf(apart);
    expect(split!.status).toBe('loaded');
    expect(await target('SELECT count(*)::int AS n FROM customers WHERE legacy_id = $1', [apart])).toEqual([{ n: 1 }]);
    expect(await parentOf(child)).toBe(split!.target_id);
    expect(await target("SELECT count(*)::int AS n FROM cutover.merges WHERE entity = 'customers' AND legacy_key = $1", [apart])).toEqual([{ n: 0 }]);
    const [left, right] = [await customerIdOf(a!), await customerIdOf(b!)];
    expect(left!.target_id).toBe(right!.target_id);
    expect(Number((await target('SELECT count(*)::int AS n FROM customers'))[0]!.n)).toBe(rowsBefore + 1 - 1);
    const stillOpen = (await readFile(reviewFile(), 'utf8')).split('\r\n').filter((line) => line.includes(',to review,') && line.includes(`,${a},${b},`));
    expect(stillOpen).toEqual([]);

    // Remembered: a full re-read keeps the decisions.
    const full = await cli('run', '--full', '--quiet');
    expect(full.code, full.stderr).toBe(0);
    expect((await customerIdOf(apart))!.target_id).toBe(split!.target_id);
    expect((await customerIdOf(a!))!.target_id).toBe((await customerIdOf(b!))!.target_id);
    expect(await target("SELECT decision FROM cutover.review_pairs WHERE entity = 'customers' AND decision IS NOT NULL ORDER BY decision")).toEqual([{ decision: 'keep_apart' }, { decision: 'merge' }]);
    const reconcile = await cli('reconcile');
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});
