/**
 * A CSV export with a quote that is never closed, through the CLI into a PostgreSQL target:
 * the rows after the quote load, the record with the quote is a reject at its own line, and
 * `reconcile` closes the equation on the physical record count (exit 0). With `empty=empty_string`
 * a quoted `""` loads as '' and an unquoted empty field as NULL.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

const PROJECT = `connections:
  legacy: file://./export?empty=empty_string
  newcrm: \${NEWCRM_URL}
target:
  connection: newcrm
  migrations: ./migrations
entities: [people.yaml, notes.yaml]
`;

const mapping = (entity: string, fields: string) => `entity: ${entity}
source: { connection: legacy, table: ${entity}, key: id }
target: { connection: newcrm, table: ${entity}, key: legacy_id }
fields:
  legacy_id: { from: id }
${fields}`;

const MIGRATION = `CREATE TABLE people (id serial PRIMARY KEY, legacy_id text UNIQUE, name text);
CREATE TABLE notes (id serial PRIMARY KEY, legacy_id text UNIQUE, title text, body text);
`;

describeWith(['postgres'])('a CSV export with an unclosed quote', () => {
  let dir: string;
  let target: TestDatabase;
  const env = () => ({ NEWCRM_URL: target.url });

  beforeAll(async () => {
    target = await createPostgresDatabase('cutover_unclosed_quote');
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-unclosed-quote-'));
    await mkdir(path.join(dir, 'export'));
    await mkdir(path.join(dir, 'migrations'));
    await writeFile(path.join(dir, 'cutover.yaml'), PROJECT);
    await writeFile(path.join(dir, 'people.yaml'), mapping('people', '  name: { from: name }\n'));
    await writeFile(path.join(dir, 'notes.yaml'), mapping('notes', '  title: { from: title }\n  body: { from: body }\n'));
    await writeFile(path.join(dir, 'migrations', '001_tables.sql'), MIGRATION);
    // The file as the tester wrote it.
    await writeFile(path.join(dir, 'export', 'people.csv'), 'id,name\n1,a\n2,"broken\n3,c\n4,d\n');
    await writeFile(path.join(dir, 'export', 'notes.csv'), 'id,title,body\r\n1,"",\r\n2,,""\r\n3,"t",b\r\n');
  });
  afterAll(async () => {
    await Promise.all([target?.drop(), dir ? rm(dir, { recursive: true, force: true }) : undefined]);
  });

  it('loads the rows after it, rejects its line, and reconciles with exit 0', async () => {
    const run = await runCli(['run', '-p', dir, '--quiet'], { env: env() });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

    // Counts and values: the re-mapped source agrees with the target, '' and NULL included.
    const reconcile = await runCli(['reconcile', '-p', dir, '--format', 'json'], { env: env() });
    expect(reconcile.code, reconcile.stdout + reconcile.stderr).toBe(0);
    const report = JSON.parse(reconcile.stdout) as { entities: { entity: string; source: number; loaded: number; rejected: number; unaccounted: number; values: { differingRows: number } }[] };
    expect(report.entities.map((e) => [e.entity, e.source, e.loaded, e.rejected, e.unaccounted, e.values.differingRows])).toEqual([
      ['people', 4, 3, 1, 0, 0],
      ['notes', 3, 3, 0, 0, 0],
    ]);
    expect(report.entities[0]).toMatchObject({ rejects: { listed: [{ key: '2', stage: 'read', origin: 'people.csv:3', reason: expect.stringMatching(/^unclosed quote/) }] } });

    const out = path.join(dir, 'rejects.jsonl');
    const listed = await runCli(['rejects', 'list', '-p', dir, '--format', 'jsonl', '--out', out], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const rejects = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rejects).toEqual([
      expect.objectContaining({ entity: 'people', key: '2', stage: 'read', origin: 'people.csv:3', reason: expect.stringMatching(/^unclosed quote: the quoted value opened on line 3 is never closed/) }),
    ]);

    expect(await queryPostgres(target.url, 'SELECT legacy_id, name FROM people ORDER BY legacy_id')).toEqual([
      { legacy_id: '1', name: 'a' },
      { legacy_id: '3', name: 'c' },
      { legacy_id: '4', name: 'd' },
    ]);
    expect(await queryPostgres(target.url, 'SELECT legacy_id, title, body FROM notes ORDER BY legacy_id')).toEqual([
      { legacy_id: '1', title: '', body: null },
      { legacy_id: '2', title: null, body: '' },
      { legacy_id: '3', title: 't', body: 'b' },
    ]);
  });
});
