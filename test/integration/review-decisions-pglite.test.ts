/**
 * Review decisions applied on the embedded default: with a PGlite target the state and the rows
 * share one connection, and a read of the id map beside the decision's transaction waited for it
 * for ever; the command then ended with exit 0 and the run stayed `running`. A decision marked in
 * the review file must be applied, the run succeed, and the equation close.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli } from '../support/cli.js';

const CUSTOMERS = [
  'id,name,email,country,revenue,created_at',
  '1,Acme Trading,same@x.test,China,1,2021-01-01T00:00:00Z',
  '2,Acme Trading Co,same@x.test,China,2,2021-01-02T00:00:00Z',
  '3,Other Ltd,other@x.test,Germany,1,2021-01-01T00:00:00Z',
].join('\n');
const DEDUPE = '\ndedupe:\n  rules: [{ name: same e-mail, exact: [email] }]\n  survivor: most_complete\n  review_file: ./review/customers.csv\n';

describe('review decisions into an embedded PGlite target', () => {
  let project: string;
  // The project's default target: pglite://./.cutover/newcrm.
  const cli = (...args: string[]) => runCli([...args, '-p', project], { env: { NEWCRM_URL: '', LEGACY_URL: '' } });
  const status = async () => JSON.parse((await cli('status', '--json')).stdout) as {
    runs: { status: string }[];
    entities: { entity: string; byStatus: Record<string, number> }[];
  };

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'cutover-review-pglite-'));
    await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), project, { recursive: true });
    await writeFile(path.join(project, 'export', 'customers.csv'), CUSTOMERS);
    await writeFile(path.join(project, 'export', 'orders.jsonl'), '{"id": 10, "customer_id": "2", "amount": "5"}\n');
    await writeFile(path.join(project, 'customers.yaml'), (await readFile(path.join(project, 'customers.yaml'), 'utf8')) + DEDUPE);
  }, 60_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('applies `keep apart`, and the run succeeds and reconciles', async () => {
    const first = await cli('run', '--quiet');
    expect(first.code, first.stderr).toBe(0);
    expect((await status()).entities.find((e) => e.entity === 'customers')!.byStatus).toMatchObject({ loaded: 2, merged: 1 });

    const review = path.join(project, 'review', 'customers.csv');
    const text = await readFile(review, 'utf8');
    const marked = text.split('\r\n').map((line) => (line.startsWith(',merged,') ? `keep apart${line}` : line)).join('\r\n');
    expect(marked.match(/^keep apart,merged,/gm)).toHaveLength(1);
    await writeFile(review, marked);

    const second = await cli('run', '--quiet');
    expect(second.code, second.stderr).toBe(0);
    const after = await status();
    expect(after.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(after.entities.find((e) => e.entity === 'customers')!.byStatus).toMatchObject({ loaded: 3, merged: 0 });
    expect(await readFile(path.join(project, '.cutover', 'cutover.log'), 'utf8')).toMatch(/review decisions applied to customers: 0 merged, 1 kept apart/);
    const reconcile = await cli('reconcile', '--quiet');
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});
