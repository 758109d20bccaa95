import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../../pipelines/config/config-error.js';
import { loadProject } from '../../../pipelines/config/load-project.js';
import { packagePath } from '../../../pipelines/package-root.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-config-'));
  await mkdir(path.join(dir, 'export'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROJECT = `connections:
  legacy: file://./export
  newcrm: \${NEWCRM_URL:-pglite://./db}
target:
  connection: newcrm
entities:
  - customers.yaml
`;

const MAPPING = `entity: customers
source: { connection: legacy, table: customers, key: id }
target: { connection: newcrm, table: customers, key: legacy_id }
fields:
  legacy_id: { from: id }
  name: { from: name, transforms: [trim, collapse_spaces], required: true }
  email: { from: email, transforms: [email] }
`;

async function project(files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

async function problemsOf(location: string, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await loadProject(location, { env, displayPath: (file) => path.relative(dir, file) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadProject', () => {
  it('loads a valid project into frozen, typed objects', async () => {
    const loaded = await loadProject(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING }), { env: {} });
    expect(loaded.entities.map((e) => e.entity)).toEqual(['customers']);
    const [customers] = loaded.entities;
    expect(customers!.fields.map((f) => f.name)).toEqual(['legacy_id', 'name', 'email']);
    expect(customers!.target.id).toBe('legacy_id');
    expect(loaded.target.connection.url.redacted).toBe('pglite://./db');
    expect(Object.isFrozen(customers)).toBe(true);
    expect(Object.isFrozen(customers!.fields[1]!.transforms)).toBe(true);
  });

  it('reads the retry budget from options.retry, with defaults, and rejects a bad one at its line', async () => {
    const defaults = await loadProject(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING }), { env: {} });
    expect(defaults.options.retry).toEqual({ retries: 5, baseDelayMs: 500, maxDelayMs: 10_000, jitter: 'equal' });
    const tuned = await loadProject(await project({ 'cutover.yaml': `${PROJECT}options:\n  retry: { attempts: 3, base_delay_ms: 100 }\n` }), { env: {} });
    expect(tuned.options.retry).toEqual({ retries: 2, baseDelayMs: 100, maxDelayMs: 10_000, jitter: 'equal' });
    const problems = await problemsOf(await project({ 'cutover.yaml': `${PROJECT}options:\n  retry: { attempts: 0, tries: 3 }\n` }));
    expect(problems).toHaveLength(2);
    expect(problems).toEqual([
      'cutover.yaml:9:22  /options/retry/attempts  must be >= 1 (got 0 (number))',
      'cutover.yaml:9:32  /options/retry/tries  unknown property `tries`; allowed here: attempts, base_delay_ms, max_delay_ms',
    ]);
  });

  it('interpolates ${ENV} in connection URLs and reports a missing variable at its line', async () => {
    const location = await project({ 'cutover.yaml': PROJECT.replace('file://./export', 'mysql://root:${LEGACY_PASSWORD}@db:3306/legacy'), 'customers.yaml': MAPPING });
    const loaded = await loadProject(location, { env: { LEGACY_PASSWORD: 'p@ss%21' } });
    expect(loaded.connections.get('legacy')!.url.redacted).toBe('mysql://root:***@db:3306/legacy');
    expect(await problemsOf(location)).toEqual(['cutover.yaml:2:11  /connections/legacy  environment variable `LEGACY_PASSWORD` not set (write `${NAME:-default}` for a default)']);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING.replace('fields:', 'fields:\n  bad: [unclosed') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^customers\.yaml:\d+:\d+  \/  YAML syntax: /);
  });

  it('names an unknown transform with a suggestion, at the line of the item', async () => {
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING.replace('[trim, collapse_spaces]', '[trim, colapse_spaces]') }));
    expect(problems).toEqual([expect.stringMatching(/^customers\.yaml:6:42  \/fields\/name\/transforms\/1  unknown transform `colapse_spaces`; did you mean `collapse_spaces`\?/)]);
  });

  it('reports wrong option types inside a transform with the full pointer', async () => {
    const problems = await problemsOf(
      await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING.replace('[email]', '[{ email: { invalid: drop } }]') }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^customers\.yaml:7:\d+  \/fields\/email\/transforms\/0\/email\/invalid  must be one of: reject, null, keep \(got 'drop'\)$/);
  });

  it('reports wrong types, unknown properties and missing keys all at once', async () => {
    const broken = MAPPING.replace('key: id }', 'key: 5, cursr: updated_at }').replace('required: true', 'required: yes please');
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': broken }));
    expect(problems).toEqual([
      'customers.yaml:2:54  /source/key  must be a string (got 5 (number))',
      'customers.yaml:2:64  /source/cursr  unknown property `cursr`; did you mean `cursor`?',
      "customers.yaml:6:70  /fields/name/required  must be true or false (got 'yes please')",
    ]);
  });

  it('requires `from` or `value` in a field, not both', async () => {
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING.replace('legacy_id: { from: id }', 'legacy_id: { from: id, value: 1 }') }));
    expect(problems).toEqual(['customers.yaml:5:3  /fields/legacy_id  has `from` and `value`; use exactly one of `from`, `value`']);
  });

  it('checks lookups against entities listed earlier, and connection names', async () => {
    const child = MAPPING.replace('entity: customers', 'entity: orders')
      .replace('connection: legacy', 'connection: legcy')
      .replace('email: { from: email, transforms: [email] }', 'customer_id: { from: customer_id, lookup: customers }\n  other: { from: x, lookup: invoices }');
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT.replace('- customers.yaml', '- customers.yaml\n  - orders.yaml'), 'customers.yaml': MAPPING, 'orders.yaml': child }));
    expect(problems).toEqual([
      'orders.yaml:2:23  /source/connection  unknown connection `legcy`; did you mean `legacy`?',
      'orders.yaml:8:29  /fields/other/lookup  `invoices` is not an entity listed before this one in cutover.yaml (earlier entities: customers)',
    ]);
  });

  it('reports one error per broken file: later lookups of its entity are not reported too', async () => {
    const child = MAPPING.replace('entity: customers', 'entity: orders').replace('email: { from: email, transforms: [email] }', 'customer_id: { from: customer_id, lookup: customers }');
    const files = (customers: string) => ({ 'cutover.yaml': PROJECT.replace('- customers.yaml', '- customers.yaml\n  - orders.yaml'), 'customers.yaml': customers, 'orders.yaml': child });
    expect(await problemsOf(await project(files(MAPPING.replace('[trim, collapse_spaces]', '[trim, colapse_spaces]'))))).toEqual([
      expect.stringMatching(/^customers\.yaml:6:\d+  \/fields\/name\/transforms\/1  unknown transform/),
    ]);
    expect(await problemsOf(await project(files(MAPPING.replace('fields:', 'fields: ['))))).toEqual([
      expect.stringMatching(/^customers\.yaml:\d+:\d+  \/  YAML syntax: .* \(the parser reports \d+ more errors after it, usually caused by this one\)$/),
    ]);
  });

  it('checks the dedupe section: its format, and that its rules name mapped fields', async () => {
    const problemsWith = async (dedupe: string) => (await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': `${MAPPING}dedupe:\n${dedupe}` }))).map((p) => p.split('  ').slice(1).join('  '));
    expect(await problemsWith('  match: [{ exact: [email] }]\n')).toEqual([
      '/dedupe  missing required property `rules`',
      '/dedupe/match  unknown property `match`; allowed here: rules, veto, survivor, priority, order_by, fields, max_cluster, max_candidates, review_file',
    ]);
    expect(await problemsWith('  rules: [{ exact: [mail] }, { fuzzy: name, threshold: 0.9, review: 0.95, block: [town] }]\n  survivor: most_complete\n')).toEqual([
      '/dedupe/rules/0/exact/0  `mail` is not a field of this mapping (fields: legacy_id, name, email)',
      '/dedupe/rules/1/block/0  `town` is not a field of this mapping (fields: legacy_id, name, email)',
      '/dedupe/rules/1/review  must not exceed `threshold` (0.9), got 0.95',
    ]);
    expect(await problemsWith('  rules: [{ exact: [email] }]\n')).toEqual(['/dedupe  `order_by` is needed to tell which record is the most recent (e.g. `order_by: updated_at`)']);
    const loaded = await loadProject(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': `${MAPPING}dedupe:\n  rules: [{ exact: [email] }, { fuzzy: name, compare: company_name, threshold: 0.95, block: [] }]\n  survivor: most_complete\n` }), { env: {} });
    expect(loaded.entities[0]!.dedupe).toMatchObject({ survivor: 'most_complete', rules: [{ name: 'same email', kind: 'exact' }, { name: 'similar name', kind: 'fuzzy', threshold: 0.95, blockPrefix: 2 }], maxCluster: 20 });
  });

  it('checks that `on_delete: archive` has an archive column of its own', async () => {
    const check = async (tail: string) => (await problemsOf(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': `${MAPPING}${tail}` }))).map((p) => p.split('  ').slice(1).join('  '));
    const valid = async (tail: string) => (await loadProject(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': `${MAPPING}${tail}` }), { env: {} })).entities[0]!;
    expect(await check('on_delete: archive\n')).toEqual(['/on_delete  `on_delete: archive` needs `archive_column`, the timestamp column to set']);
    expect(await check('on_delete: delete\narchive_column: archived_at\n')).toEqual(['/archive_column  `archive_column` is used only with `on_delete: archive` (got `on_delete: delete`)']);
    expect(await check('on_delete: archive\narchive_column: email\n')).toEqual(['/archive_column  `email` is also a mapped field; the archive column must be set by cutover alone']);
    expect(await valid('on_delete: archive\narchive_column: archived_at\n')).toMatchObject({ onDelete: 'archive', archiveColumn: 'archived_at' });
    expect(await valid('on_delete: delete\n')).toMatchObject({ onDelete: 'delete' });
  });

  it('reports a bad connection URL and an unknown mapping file against cutover.yaml', async () => {
    const problems = await problemsOf(await project({ 'cutover.yaml': PROJECT.replace('file://./export', 'oracle://db/x').replace('- customers.yaml', '- customers.yaml\n  - missing.yaml'), 'customers.yaml': MAPPING }));
    expect(problems).toEqual([
      expect.stringMatching(/^cutover\.yaml:2:11  \/connections\/legacy  Unknown scheme `oracle:\/\/`/),
      'cutover.yaml:8:5  /entities/1  mapping file not found: missing.yaml',
    ]);
  });

  it("keeps '' on a connection with empty=empty_string: empty_as_null defaults to false there and may not be true", async () => {
    const keeping = PROJECT.replace('file://./export', 'file://./export?empty=empty_string');
    const loaded = await loadProject(await project({ 'cutover.yaml': keeping, 'customers.yaml': MAPPING }), { env: {} });
    expect(loaded.entities[0]!.emptyAsNull).toBe(false);
    const usual = await loadProject(await project({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING }), { env: {} });
    expect(usual.entities[0]!.emptyAsNull).toBe(true);
    expect(await problemsOf(await project({ 'cutover.yaml': keeping, 'customers.yaml': `${MAPPING}options: { empty_as_null: true }\n` }))).toEqual([
      expect.stringMatching(/^customers\.yaml:8:\d+  \/options\/empty_as_null  connection `legacy` keeps a quoted "" as '' .*\(`empty=empty_string`\).*remove `empty_as_null` here/),
    ]);
    expect(await problemsOf(await project({ 'cutover.yaml': PROJECT.replace('file://./export', 'file://./export?empty=none'), 'customers.yaml': MAPPING }))).toEqual([
      expect.stringMatching(/^cutover\.yaml:2:11  \/connections\/legacy  Expected `empty` to be one of null, empty_string, got `none`/),
    ]);
  });

  it('validates the bundled example project', async () => {
    const loaded = await loadProject(packagePath('mappings', 'example'), { env: {} });
    expect(loaded.entities.map((e) => e.entity)).toEqual(['customers', 'opportunities', 'tickets']);
    expect(loaded.entities[1]!.fields.find((f) => f.name === 'customer_id')!.lookup).toBe('customers');
  });
});

describe('loadProject with a password written raw', () => {
  const RAW = 'Rel9/Sec@Pw2#x';

  it('names the connection and its line, says what to encode, and suggests an environment variable', async () => {
    const location = await project({ 'cutover.yaml': PROJECT.replace('file://./export', `mysql://migrator:${RAW}@127.0.0.1:3306/legacy`), 'customers.yaml': MAPPING });
    const problems = await problemsOf(location);
    expect(problems).toEqual([
      'cutover.yaml:2:11  /connections/legacy  connection `legacy`: the user name or password in `mysql://migrator:***@127.0.0.1:3306/legacy` holds characters a URL reserves; ' +
        'write them percent-encoded: `/` as `%2F`, `#` as `%23`, `@` as `%40` (an `@` in the database name, path or options is written `%40`); ' +
        'keep the password out of cutover.yaml: put the whole URL in an environment variable, e.g. `LEGACY_URL`, and write `legacy: ${LEGACY_URL}`',
    ]);
  });

  it('names the environment variable the URL came from, and never the password', async () => {
    const location = await project({ 'cutover.yaml': PROJECT.replace('file://./export', '${LEGACY_URL}'), 'customers.yaml': MAPPING });
    const problems = await problemsOf(location, { LEGACY_URL: `mysql://migrator:${RAW}@127.0.0.1:3306/legacy` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cutover\.yaml:2:11  \/connections\/legacy  connection `legacy`: .*`\/` as `%2F`.* \(the URL comes from `LEGACY_URL`: encode the password there\)$/);
    for (const piece of ['Rel9', 'Sec', 'Pw2']) expect(problems[0]).not.toContain(piece);
  });

  it('loads the same password percent-encoded', async () => {
    const location = await project({ 'cutover.yaml': PROJECT.replace('file://./export', '${LEGACY_URL}'), 'customers.yaml': MAPPING });
    const loaded = await loadProject(location, { env: { LEGACY_URL: `mysql://migrator:${encodeURIComponent(RAW)}@127.0.0.1:3306/legacy` } });
    expect(loaded.connections.get('legacy')!.url.password).toBe(RAW);
  });
});
