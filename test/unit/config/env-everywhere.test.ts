/**
 * `${VAR}` in every value of cutover.yaml and of the mapping files, typed by the schemas after
 * expansion, located at the file's own lines; and the `.env` file beside cutover.yaml.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../../pipelines/config/config-error.js';
import { parseDotEnv } from '../../../pipelines/config/dot-env.js';
import { loadProject } from '../../../pipelines/config/load-project.js';
import { packagePath } from '../../../pipelines/package-root.js';
import type { ConfigProblem } from '../../../pipelines/config/config-error.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-env-'));
  await mkdir(path.join(dir, 'export'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROJECT = `connections:
  legacy: \${LEGACY_URL:-file://./export}
  newcrm: \${NEWCRM_URL:-pglite://./db}
target:
  connection: newcrm
entities:
  - customers.yaml
options:
  batch_size: \${BATCH_SIZE:-2000}
`;

const MAPPING = `entity: customers
source: { connection: legacy, table: customers, key: id }
target: { connection: newcrm, table: customers, key: legacy_id }
fields:
  legacy_id: { from: id }
  name: { from: name, transforms: [trim], required: true }
`;

async function project(files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries({ 'cutover.yaml': PROJECT, 'customers.yaml': MAPPING, ...files })) await writeFile(path.join(dir, name), text);
  return dir;
}

const load = async (files: Record<string, string>, env: Record<string, string> = {}) => loadProject(await project(files), { env, displayPath: (file) => path.relative(dir, file) });

async function problemsOf(files: Record<string, string>, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await load(files, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('${VAR} in every value', () => {
  it('types an expanded value by the schema: `batch_size: ${BATCH_SIZE:-2000}` is the integer 2000', async () => {
    expect((await load({})).options.batchSize).toBe(2000);
    expect((await load({}, { BATCH_SIZE: '500' })).options.batchSize).toBe(500);
    expect((await load({}, { BATCH_SIZE: ' 750 ' })).options.batchSize).toBe(750);
    // In a flow map `${…}` must be quoted; quoted, it is typed all the same.
    const flow = PROJECT.replace('options:\n  batch_size: ${BATCH_SIZE:-2000}\n', 'options: { batch_size: "${BATCH_SIZE:-300}", lookback_seconds: \'${LOOKBACK:-60}\' }\n');
    expect((await load({ 'cutover.yaml': flow }, { LOOKBACK: '120' })).options).toMatchObject({ batchSize: 300, lookbackSeconds: 120 });
  });

  it('refuses an expanded value that is not of its type, at its line and pointer, naming the variable and not its value', async () => {
    expect(await problemsOf({}, { BATCH_SIZE: 'S3cretLots' })).toEqual(['cutover.yaml:9:15  /options/batch_size  must be an integer (got text from `BATCH_SIZE`)']);
    expect(await problemsOf({}, { BATCH_SIZE: '2.5' })).toEqual(['cutover.yaml:9:15  /options/batch_size  must be an integer (got text from `BATCH_SIZE`)']);
    expect(await problemsOf({}, { BATCH_SIZE: '0' })).toEqual(['cutover.yaml:9:15  /options/batch_size  must be >= 1 (got number from `BATCH_SIZE`)']);
    // A default is written in the file: it is quoted as any value written there.
    expect(await problemsOf({ 'cutover.yaml': PROJECT.replace('${BATCH_SIZE:-2000}', '${BATCH_SIZE:-lots}') })).toEqual(["cutover.yaml:9:15  /options/batch_size  must be an integer (got 'lots')"]);
  });

  it('never converts a value written without ${…}: a quoted number stays text', async () => {
    expect(await problemsOf({ 'cutover.yaml': PROJECT.replace('${BATCH_SIZE:-2000}', '"2000"') })).toEqual(["cutover.yaml:9:15  /options/batch_size  must be an integer (got '2000')"]);
  });

  it('expands every scalar of a mapping file, typed: names, where clauses, options, transform options, booleans', async () => {
    const mapping = `entity: \${ENTITY:-customers}
source: { connection: legacy, table: "\${LEGACY_TABLE:-customers}", key: id, where: "\${LEGACY_WHERE:-deleted = 0}" }
target: { connection: newcrm, table: "\${TARGET_SCHEMA}.customers", key: legacy_id }
fields:
  legacy_id: { from: id }
  name: { from: name, transforms: [trim], required: "\${NAME_REQUIRED:-true}" }
  credit: { from: credit, transforms: [{ decimal: { scale: "\${CREDIT_SCALE:-2}" } }] }
options:
  batch_size: \${CUSTOMER_BATCH:-250}
`;
    const loaded = await load({ 'customers.yaml': mapping }, { TARGET_SCHEMA: 'crm', LEGACY_TABLE: 'kunden', NAME_REQUIRED: 'false', CREDIT_SCALE: '4' });
    const [customers] = loaded.entities;
    expect(customers!.source).toMatchObject({ table: 'kunden', where: 'deleted = 0' });
    expect(customers!.target.table).toBe('crm.customers');
    expect(customers!.batchSize).toBe(250);
    expect(customers!.fields.find((f) => f.name === 'name')!.required).toBe(false);
    expect(customers!.fields.find((f) => f.name === 'credit')!.transforms[0]).toEqual({ name: 'decimal', item: { decimal: { scale: 4 } } });

    const problems = await problemsOf({ 'customers.yaml': mapping }, { TARGET_SCHEMA: 'crm', CREDIT_SCALE: 'two' });
    expect(problems).toEqual(['customers.yaml:7:60  /fields/credit/transforms/0/decimal/scale  must be an integer (got text from `CREDIT_SCALE`)']);
  });

  it('keeps a value holding YAML syntax one string: a variable cannot add structure', async () => {
    const injected = 'deleted = 0\nfields: {}\n  - [x]: { y: z }';
    const mapping = MAPPING.replace('key: id }', 'key: id, where: "${LEGACY_WHERE}" }');
    const loaded = await load({ 'customers.yaml': mapping }, { LEGACY_WHERE: injected });
    expect(loaded.entities[0]!.source.where).toBe(injected);
    expect(loaded.entities[0]!.fields.map((f) => f.name)).toEqual(['legacy_id', 'name']);
  });

  it('reports a variable not set at the file and line where it is used, once, without what follows from it', async () => {
    const mapping = MAPPING.replace('source: { connection: legacy', 'source: { connection: "${SOURCE_CONNECTION}"').replace('key: legacy_id }', 'key: legacy_id }\noptions: { batch_size: "${CUSTOMER_BATCH}" }');
    expect(await problemsOf({ 'customers.yaml': mapping })).toEqual([
      'customers.yaml:2:23  /source/connection  environment variable `SOURCE_CONNECTION` not set (write `${NAME:-default}` for a default)',
      'customers.yaml:4:24  /options/batch_size  environment variable `CUSTOMER_BATCH` not set (write `${NAME:-default}` for a default)',
    ]);
    expect(await problemsOf({ 'cutover.yaml': PROJECT.replace('${BATCH_SIZE:-2000}', '${BATCH_SIZE}') })).toEqual([
      'cutover.yaml:9:15  /options/batch_size  environment variable `BATCH_SIZE` not set (write `${NAME:-default}` for a default)',
    ]);
  });

  it('refuses a cycle with one line naming the chain, at the value that starts it', async () => {
    expect(await problemsOf({}, { LEGACY_URL: '${LEGACY_BASE}', LEGACY_BASE: '${LEGACY_URL}' })).toEqual([
      'cutover.yaml:2:11  /connections/legacy  environment variables refer to each other in a cycle: `LEGACY_URL` → `LEGACY_BASE` → `LEGACY_URL`; one of them must hold a value, not a reference',
    ]);
  });

  it("expands the README's recipe: a URL naming its password's variable, the password percent-encoded", async () => {
    const password = 'p@ss/w:rd#1?%';
    const env = { LEGACY_URL: 'mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm', LEGACY_PASSWORD: encodeURIComponent(password) };
    const legacy = (await load({}, env)).connections.get('legacy')!;
    expect(legacy.url.password).toBe(password);
    expect(legacy.url.redacted).toBe('mysql://migrator:***@legacy-db:3306/legacy_crm');

    // Written raw, the password is refused with the variables it came from, and never shown.
    const problems = await problemsOf({}, { ...env, LEGACY_PASSWORD: password });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cutover\.yaml:2:11 {2}\/connections\/legacy {2}connection `legacy`: the user name or password in `mysql:\/\/migrator:\*\*\*@legacy-db:3306\/legacy_crm` holds characters a URL reserves; .*\(the URL comes from `LEGACY_URL`, `LEGACY_PASSWORD`: encode the password there\)$/);
    for (const piece of ['ss/w', 'rd#1']) expect(problems[0]).not.toContain(piece);
    // Unset, the password's variable is named with the variable that needs it.
    expect(await problemsOf({}, { LEGACY_URL: env.LEGACY_URL })).toEqual([
      'cutover.yaml:2:11  /connections/legacy  environment variable `LEGACY_PASSWORD` (in `LEGACY_URL`) not set (write `${NAME:-default}` for a default)',
    ]);
  });
});

describe('.env beside cutover.yaml', () => {
  it('gives ${VAR} its values, under the environment, which wins', async () => {
    const dotEnv = '# the legacy database\nexport LEGACY_URL=file://./${EXPORT_DIR}\nEXPORT_DIR="export"\nBATCH_SIZE=700 # rows per batch\n';
    const loaded = await load({ '.env': dotEnv });
    expect(loaded.connections.get('legacy')!.url.redacted).toBe('file://./export');
    expect(loaded.options.batchSize).toBe(700);
    expect((await load({ '.env': dotEnv }, { BATCH_SIZE: '900' })).options.batchSize).toBe(900);
  });

  it("holds an API target's token, named by `target.api.auth.env`", async () => {
    const apiProject = PROJECT.replace('newcrm: ${NEWCRM_URL:-pglite://./db}', 'crm: https://crm.example.com/')
      .replace('  connection: newcrm\n', "  connection: crm\n  api:\n    auth: { env: CRM_TOKEN, prefix: 'Bearer ' }\n    upsert: { path: '/v1/{module}/upsert' }\n");
    const apiMapping = MAPPING.replace('target: { connection: newcrm, table: customers, key: legacy_id }', 'target: { connection: crm, module: Accounts, key: legacy_id }');
    expect(await problemsOf({ 'cutover.yaml': apiProject, 'customers.yaml': apiMapping })).toEqual([expect.stringMatching(/\/target\/api\/auth\/env {2}environment variable `CRM_TOKEN` is not set/)]);
    const loaded = await load({ 'cutover.yaml': apiProject, 'customers.yaml': apiMapping, '.env': 'CRM_TOKEN=s3cretT0ken\n' });
    expect(loaded.target.connection.connector).toMatchObject({ apiTarget: true, sinkState: 'beside' });
  });

  it("reads the example .env of docs/connections.md", async () => {
    const page = await readFile(packagePath('docs', 'connections.md'), 'utf8');
    const example = /```sh\n(# mappings\/example\/\.env\n[\s\S]*?)```/.exec(page)?.[1];
    expect(example).toBeDefined();
    const loaded = await load({ '.env': example! });
    const legacy = loaded.connections.get('legacy')!;
    expect(legacy.url.redacted).toBe('mysql://migrator:***@legacy-db:3306/legacy_crm');
    expect(legacy.url.password).toBe('Rel9/Sec');
    expect(loaded.connections.get('newcrm')!.url.redacted).toBe('postgres://migrator@newcrm-db:5432/newcrm');
  });

  it('refuses a malformed line with the file and line, never the line itself', async () => {
    const problems = await problemsOf({ '.env': 'GOOD=1\nLEGACY_PASSWORD S3cretPw\nexport 9LIVES=S3cretCat\nQUOTED="S3cretQ\n' });
    expect(problems).toEqual([
      '.env:2:1  /  expected KEY=VALUE (this line has no `=`)',
      '.env:3:1  /  expected KEY=VALUE, with a name of letters, digits and _ that does not start with a digit',
      '.env:4:8  /  the double quote opened for `QUOTED` is not closed on its line (values are one line; write a line break as \\n inside double quotes)',
    ]);
    expect(problems.join('\n')).not.toMatch(/S3cret/);
  });
});

describe('parseDotEnv', () => {
  const parse = (text: string) => parseDotEnv(text, '.env') as Record<string, string>;
  const problems = (text: string) => (parseDotEnv(text, '.env') as ConfigProblem[]).map((p) => `${p.line}:${p.column} ${p.message}`);

  it('reads KEY=VALUE lines with comments, quotes and `export `', () => {
    expect(
      parse(
        '\uFEFF# comment\n\n  # indented comment\nA=plain value  # comment\nB = spaced\nexport C=exported\nexport\tD=tab\n' +
          "E='single # not a comment ${X}'\nF=\"double \\\"q\\\" \\n \\\\ \\x\"  # after\nG=\nH=a#b\nA=last wins\r\nI=${A}\n",
      ),
    ).toEqual({
      A: 'last wins',
      B: 'spaced',
      C: 'exported',
      D: 'tab',
      E: 'single # not a comment ${X}',
      F: 'double "q" \n \\ \\x',
      G: '',
      H: 'a#b',
      I: '${A}',
    });
  });

  it('names what is wrong with a line and where', () => {
    expect(problems('just text')).toEqual(['1:1 expected KEY=VALUE (this line has no `=`)']);
    expect(problems('  MY KEY=x')).toEqual(['1:3 expected KEY=VALUE with no space inside the name']);
    expect(problems('=x')).toEqual(['1:1 expected KEY=VALUE with no space inside the name']);
    expect(problems("A='x' y")).toEqual(['1:6 text after the closing single quote of `A`; put the whole value inside the quotes, or a space before a # comment']);
    expect(problems("A='x")).toEqual(['1:3 the single quote opened for `A` is not closed on its line (values are one line; write a line break as \\n inside double quotes)']);
    expect(problems("A='x' # fine\nB=\"y\"#not fine")).toEqual(['2:6 text after the closing double quote of `B`; put the whole value inside the quotes, or a space before a # comment']);
  });
});
