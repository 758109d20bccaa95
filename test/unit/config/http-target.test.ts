/** An HTTP API target at the config edge: what it needs, refused with file, line and pointer. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../../pipelines/config/config-error.js';
import { loadProject } from '../../../pipelines/config/load-project.js';
import { packagePath } from '../../../pipelines/package-root.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-http-config-'));
  await mkdir(path.join(dir, 'export'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const api = (extra = '') => `connections:
  legacy: file://./export
  crm: https://crm.example.com/
target:
  connection: crm
  api:
    auth: { env: CRM_TOKEN, prefix: 'Bearer ' }
    upsert: { path: '/v1/{module}/upsert' }
${extra}entities:
  - customers.yaml
`;

const mapping = (extra = '') => `entity: customers
source: { connection: legacy, table: customers, key: id }
target: { connection: crm, module: Accounts, key: Legacy_ID }
fields:
  Legacy_ID: { from: id }
  Account_Name: { from: name }
${extra}`;

async function problems(files: Record<string, string>, env: Record<string, string> = { CRM_TOKEN: 's3cret' }): Promise<string[]> {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  try {
    await loadProject(dir, { env, displayPath: (file) => path.basename(file) });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
}

it('loads an API target, keeps the state in PGlite by default, and never shows the token', async () => {
  await writeFile(path.join(dir, 'cutover.yaml'), api());
  await writeFile(path.join(dir, 'customers.yaml'), mapping());
  const project = await loadProject(dir, { env: { CRM_TOKEN: 's3cret' } });
  expect(project.target.connection.connector).toMatchObject({ apiTarget: true, sinkState: 'beside' });
  expect(project.target.state?.url.redacted).toBe('pglite://./.cutover/state');
  expect(project.entities[0]!.target.table).toBe('Accounts');
  expect(JSON.stringify(project.target.connection.config)).not.toContain('s3cret');
});

it('refuses a missing token, dedupe and on_delete: delete without a delete endpoint, and migrations', async () => {
  const found = await problems(
    {
      'cutover.yaml': api('  migrations: ./migrations\n').replace('target:\n', 'target:\n'),
      'customers.yaml': mapping(`on_delete: delete\ndedupe:\n  rules: [{ exact: [Account_Name] }]\n  survivor: most_complete\n`),
    },
    {},
  );
  expect(found).toEqual([
    expect.stringMatching(/^cutover\.yaml:7:\d+ {2}\/target\/api\/auth\/env {2}environment variable `CRM_TOKEN` is not set/),
    expect.stringMatching(/^cutover\.yaml:\d+:\d+ {2}\/target\/migrations {2}an HTTP API target has no tables/),
    expect.stringMatching(/^customers\.yaml:7:\d+ {2}\/on_delete {2}`on_delete: delete` on an HTTP API target needs a delete endpoint/),
    expect.stringMatching(/^customers\.yaml:8:\d+ {2}\/dedupe {2}de-duplication on an HTTP API target .* needs a delete endpoint/),
  ]);
});

it('refuses `api` and `module` with a database target', async () => {
  const found = await problems({
    'cutover.yaml': api().replace('https://crm.example.com/', 'pglite://./db'),
    'customers.yaml': mapping(),
  });
  expect(found).toEqual([
    expect.stringMatching(/\/target\/api {2}`api` describes an HTTP API target; `crm` is a PGlite connection/),
    expect.stringMatching(/customers\.yaml:3:\d+ {2}\/target\/module {2}`module` is for HTTP API targets/),
  ]);
});

it('accepts the bundled Zoho example', async () => {
  const project = await loadProject(packagePath('mappings', 'example-zoho'), { env: { ZOHO_TOKEN: 't' } });
  expect(project.entities.map((m) => m.target.table)).toEqual(['Accounts', 'Deals', 'Cases']);
});

it('takes an update endpoint by external id, and refuses one whose path has no `{module}`', async () => {
  await writeFile(path.join(dir, 'customers.yaml'), mapping());
  await writeFile(path.join(dir, 'cutover.yaml'), api("    update: { path: '/v1/{module}', headers: { X-EXTERNAL: '{module}.{key}' } }\n"));
  const project = await loadProject(dir, { env: { CRM_TOKEN: 's3cret' } });
  expect((project.target.connection.config as { update: unknown }).update).toEqual({
    method: 'PUT',
    path: '/v1/{module}',
    recordsField: 'data',
    body: {},
    headers: { 'X-EXTERNAL': '{module}.{key}' },
    notFoundField: 'code',
    notFoundValues: ['RECORD_NOT_FOUND', 'NOT_FOUND'],
  });
  const found = await problems({ 'cutover.yaml': api("    update: { path: '/v1/records' }\n"), 'customers.yaml': mapping() });
  expect(found).toEqual([expect.stringMatching(/^cutover\.yaml:\d+:\d+ {2}\/target\/api\/update\/path {2}must contain `\{module\}`/)]);
});
