/**
 * The review file is formula-guarded for the spreadsheet a person decides in, and its decisions
 * still find their rows: customers keyed `=1+1`, `+862148631096`, `-2`, `@x` and a tab-led key are
 * merged by e-mail, the review CSV shows the keys (and a formula-like name) guarded, `keep apart`
 * marked on every merged line splits every pair, and the decisions are stored with the exact keys.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

const CUSTOMERS = [
  'id,name,email,country,revenue,created_at',
  '=1+1,"=HYPERLINK(""http://x"")",same@x.test,China,1,2021-01-01T00:00:00Z',
  '+862148631096,Formula Limited,same@x.test,China,2,2021-01-02T00:00:00Z',
  '-2,Minus Co,minus@x.test,Germany,1,2021-01-01T00:00:00Z',
  '@x,Minus Company,minus@x.test,Germany,2,2021-01-02T00:00:00Z',
  '\tx,Tab Trading,tab@x.test,China,1,2021-01-01T00:00:00Z',
  '7,Tab Trading Co,tab@x.test,China,2,2021-01-02T00:00:00Z',
].join('\n');
const KEYS = ['=1+1', '+862148631096', '-2', '@x', '\tx', '7'];
const DEDUPE = '\ndedupe:\n  rules: [{ name: same e-mail, exact: [email] }]\n  survivor: most_complete\n  review_file: ./review/customers.csv\n';

describeWith(['postgres'])('the review file: formula-guarded, and its decisions still find the rows', () => {
  let target: TestDatabase;
  let project: string;
  const cli = (...args: string[]) => runCli([...args, '-p', project], { env: { NEWCRM_URL: target.url } });
  const reviewFile = () => path.join(project, 'review', 'customers.csv');
  const state = (text: string) => queryPostgres(target.url, text);

  beforeAll(async () => {
    target = await createPostgresDatabase('cutover_review_keys');
    project = await mkdtemp(path.join(tmpdir(), 'cutover-review-keys-'));
    await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), project, { recursive: true });
    await writeFile(path.join(project, 'export', 'customers.csv'), CUSTOMERS);
    // One order, of a customer that is merged, then kept apart: it follows its customer both times.
    await writeFile(path.join(project, 'export', 'orders.jsonl'), '{"id": 10, "customer_id": "+862148631096", "amount": "5"}\n');
    await writeFile(path.join(project, 'customers.yaml'), (await readFile(path.join(project, 'customers.yaml'), 'utf8')) + DEDUPE);
  }, 60_000);

  afterAll(async () => {
    await target?.drop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('lists the merges with the keys and values guarded', async () => {
    const run = await cli('run', '--quiet');
    expect(run.code, run.stderr).toBe(0);
    expect(await state("SELECT legacy_key FROM cutover.id_map WHERE entity = 'customers' AND status = 'merged'")).toHaveLength(3);
    const lines = Papa.parse<Record<string, string>>((await readFile(reviewFile(), 'utf8')).slice(1), { header: true, skipEmptyLines: true }).data;
    const merged = lines.filter((line) => line.status === 'merged');
    expect(merged.flatMap((line) => [line.key_a, line.key_b]).sort()).toEqual(["'+862148631096", "'=1+1", "'@x", "'\tx", '-2', '7'].sort());
    const names = merged.flatMap((line) => [line['a name'], line['b name']]);
    expect(names).toContain(`'=HYPERLINK("http://x")`);
  });

  it('applies `keep apart` marked on every merged line, matching the guarded keys to the exact ones', async () => {
    const text = await readFile(reviewFile(), 'utf8');
    // As a person would in a text editor: the decision cell (first) of each merged line.
    const marked = text
      .split('\r\n')
      .map((line) => (line.startsWith(',merged,') ? `keep apart${line}` : line))
      .join('\r\n');
    expect(marked.match(/^keep apart,merged,/gm)).toHaveLength(3);
    await writeFile(reviewFile(), marked);

    const run = await cli('run', '--quiet');
    expect(run.code, run.stderr).toBe(0);
    // Sorted here: the database's collation orders these keys its own way.
    const keys = await state("SELECT legacy_key, status FROM cutover.id_map WHERE entity = 'customers'");
    expect(keys.map((row) => `${String(row.legacy_key)} ${String(row.status)}`).sort()).toEqual([...KEYS].sort().map((key) => `${key} loaded`));
    expect((await state('SELECT legacy_id FROM customers')).map((row) => row.legacy_id).sort()).toEqual([...KEYS].sort());
    const decided = await state("SELECT key_a, key_b, decision FROM cutover.review_pairs WHERE entity = 'customers' AND decision IS NOT NULL");
    expect(decided.flatMap((row) => [row.key_a, row.key_b]).sort()).toEqual([...KEYS].sort());
    expect(new Set(decided.map((row) => row.decision))).toEqual(new Set(['keep_apart']));
    const [order] = await state("SELECT c.legacy_id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.legacy_id = '10'");
    expect(order).toEqual({ legacy_id: '+862148631096' });
    const reconcile = await cli('reconcile', '--quiet');
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});
