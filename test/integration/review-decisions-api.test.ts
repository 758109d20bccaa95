/**
 * Review decisions on an HTTP API target, whose state lives beside it: the target's writes of a
 * decision (a split record's own record, children re-pointed, a folded cluster's record deleted,
 * the survivor written again) come first and the state after. Killed while it applies them, the
 * re-run ends with the records and the state of an uninterrupted apply, and reconciles.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { writeLegacyExport } from '../../scripts/legacy-crm/write-export.js';
import { runCli, startCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres as query, type TestDatabase } from '../support/databases.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';
import { closeProbes, killAt, type KillPoint } from '../support/kill-points.js';

const ROWS = { customers: 1_200, opportunities: 400, tickets: 400 };
const ENTITIES = ['customers', 'opportunities', 'tickets'] as const;

describeWith(['postgres'])('review decisions on an HTTP API target', () => {
  let dir: string;
  const servers: FakeCrmApi[] = [];
  const states: TestDatabase[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-review-api-'));
    await writeLegacyExport(path.join(dir, 'legacy-export'), { seed: 11, ...ROWS });
  }, 120_000);
  afterAll(async () => {
    await closeProbes();
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(states.map((state) => state.drop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fake CRM, a state database and a project loading the example into it, loaded once. */
  async function loaded(name: string) {
    const api = await FakeCrmApi.start({ ids: 'uuid' });
    servers.push(api);
    const state = await createPostgresDatabase('cutover_review_api');
    states.push(state);
    const project = path.join(dir, name);
    await cp(path.join(dir, 'legacy-export'), path.join(project, 'legacy-export'), { recursive: true });
    const example = packagePath('mappings', 'example');
    await writeFile(
      path.join(project, 'cutover.yaml'),
      [
        'name: review on an api',
        'connections:',
        '  legacy: file://./legacy-export',
        '  newcrm: ${API_URL}',
        'target:',
        '  connection: newcrm',
        '  state: ${STATE_URL}',
        '  api:',
        "    upsert: { path: '/crm/v8/{module}/upsert', records_per_call: 50, body: { duplicate_check_fields: ['{key}'] } }",
        "    delete: { path: '/crm/v8/{module}/{id}' }",
        "    count: { path: '/crm/v8/{module}/actions/count' }",
        '    limits: { concurrency: 4, requests_per_interval: 1000, retries: 8 }',
        'entities:',
        ...ENTITIES.map((entity) => `  - ${path.join(example, `${entity}.yaml`)}`),
        'options: { batch_size: 250 }',
        '',
      ].join('\n'),
    );
    const env = { API_URL: api.url, STATE_URL: state.url };
    const first = await runCli(['run', '-p', project, '--quiet'], { env });
    expect(first.code, first.stderr).toBe(0);
    return { api, state, project, env, reviewFile: path.join(project, 'review', 'customers.csv') };
  }

  it('applies `keep apart` and `merge` through the API; killed while applying, the re-run ends as an uninterrupted apply', { timeout: 600_000 }, async () => {
    const [reference, killed] = await Promise.all([loaded('reference'), loaded('killed')]);
    const lines = (await readFile(reference.reviewFile, 'utf8')).split('\r\n');
    expect(await readFile(killed.reviewFile, 'utf8')).toBe(lines.join('\r\n'));
    let merged = 0;
    const kept: string[] = [];
    const marked = lines.map((line) => {
      if (line.startsWith(',to review,')) return `merge${line}`;
      if (line.startsWith(',merged,') && merged++ % 2 === 0) return `keep apart${line}`;
      if (line.startsWith(',merged,')) kept.push(line.split(',')[4]!);
      return line;
    });
    // And clusters merged by hand: survivors of merges that stay, two by two.
    const anchors = [...new Set(kept)].slice(0, 10);
    const emptyFields = ','.repeat(lines[0]!.split(',').length - 6);
    for (let i = 0; i + 1 < anchors.length; i += 2) marked.splice(marked.length - 1, 0, `merge,to review,0.95,by hand,${anchors[i]},${anchors[i + 1]}${emptyFields}`);
    const decisions = marked.filter((line) => /^(merge|keep apart),/.test(line)).length;
    expect(decisions).toBeGreaterThanOrEqual(12);
    await writeFile(reference.reviewFile, marked.join('\r\n'));
    await writeFile(killed.reviewFile, marked.join('\r\n'));

    const uninterrupted = await runCli(['run', '-p', reference.project, '--quiet', '--full'], { env: reference.env });
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(await readFile(path.join(reference.project, '.cutover', 'cutover.log'), 'utf8')).toMatch(/review decisions applied to customers: [1-9]\d* merged, [1-9]\d* kept apart/);
    const expected = await snapshot(reference.api, reference.state.url);
    expect(expected.decisions).toHaveLength(decisions);

    // Moments inside the apply: the target has had some of the decisions' writes, the state maybe not.
    const writesSince = (count: number): KillPoint => {
      const before = killed.api.stats.upsertCalls + killed.api.stats.deleted;
      return async () => killed.api.stats.upsertCalls + killed.api.stats.deleted >= before + count;
    };
    const landed: number[] = [];
    for (const count of [1, 4, Math.ceil(decisions / 2)]) {
      const run = startCli(['run', '-p', killed.project, '--quiet', '--full'], { env: killed.env });
      if (await killAt(run, writesSince(count), 1)) landed.push(count);
      else expect((await run.exited).code, (await run.exited).stderr).toBe(0);
    }
    expect(landed.length).toBeGreaterThan(0);
    const resumed = await runCli(['run', '-p', killed.project, '--quiet', '--full'], { env: killed.env });
    expect(resumed.code, resumed.stderr).toBe(0);

    const actual = await snapshot(killed.api, killed.state.url);
    for (const part of Object.keys(expected)) expect({ part, rows: actual[part] }, part).toEqual({ part, rows: expected[part] });
    const reconcile = await runCli(['reconcile', '-p', killed.project, '--counts-only'], { env: killed.env });
    expect(reconcile.code, reconcile.stdout).toBe(0);
    expect((await readFile(killed.reviewFile, 'utf8')).split('\r\n').filter((line) => /^(merge|keep apart),/.test(line))).toEqual([]);
  });
});

/** The API's records and the state, every generated id replaced by the legacy key it stands for. */
async function snapshot(api: FakeCrmApi, stateUrl: string): Promise<Record<string, unknown[]>> {
  const legacyOf = new Map<string, string>();
  for (const entity of ENTITIES) for (const record of api.records(entity)) legacyOf.set(String(record.id), `${entity} ${String(record.legacy_id)}`);
  const records: Record<string, unknown[]> = {};
  for (const entity of ENTITIES) {
    records[entity] = api
      .records(entity)
      .map(({ id: _id, ...fields }): Record<string, unknown> => ({ ...fields, ...('customer_id' in fields ? { customer_id: legacyOf.get(String(fields.customer_id)) ?? fields.customer_id } : {}) }))
      .sort((a, b) => String(a.legacy_id).localeCompare(String(b.legacy_id)));
  }
  const idMap = (
    await query(stateUrl, 'SELECT entity, legacy_key, status, owns_row, detail, pending_action, target_id, CASE WHEN entity = $1 THEN row_hash END AS row_hash FROM cutover.id_map ORDER BY entity, legacy_key', ['customers'])
  ).map(({ target_id, ...row }) => ({ ...row, target_row: target_id === null ? null : (legacyOf.get(String(target_id)) ?? 'gone') }));
  return {
    ...records,
    idMap,
    merges: await query(stateUrl, 'SELECT entity, legacy_key, anchor_key, rule, score FROM cutover.merges ORDER BY entity, legacy_key'),
    dedupeRecords: await query(stateUrl, 'SELECT entity, legacy_key, anchor_key FROM cutover.dedupe_records ORDER BY entity, legacy_key'),
    decisions: await query(stateUrl, 'SELECT entity, key_a, key_b, decision FROM cutover.review_pairs WHERE decision IS NOT NULL ORDER BY entity, key_a, key_b'),
    rejects: await query(stateUrl, 'SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key, stage'),
  };
}
