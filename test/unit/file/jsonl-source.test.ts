/**
 * JSON Lines: one object per line; a bad line in the middle is a reject with its line number and
 * text, and the lines around it still load.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlSource } from '../../../connectors/file/jsonl-source.js';
import type { SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

const entity: SourceEntity = { table: 'ignored', key: 'id' };
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-jsonl-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function jsonlFile(name: string, content: string): Promise<JsonlSource> {
  const file = path.join(folder, name);
  await writeFile(file, content);
  return new JsonlSource(file);
}

describe('JSON Lines', () => {
  it('rejects a bad line in the middle with its line and text, and reads the lines around it', async () => {
    const source = await jsonlFile(
      'tickets.jsonl',
      [
        '\uFEFF{"id": 1, "subject": "Printer on fire", "tags": ["hw"]}', // line 1 (with a BOM)
        '{"id": 2, "subject": "cut off', //                                 line 2: not JSON
        '', //                                                             line 3: blank
        '   ', //                                                          line 4: blank
        '["not", "an", "object"]', //                                      line 5
        '{"id": 3, "subject": "Refund", "meta": {"channel": "email"}}', // line 6
        '{"subject": "no id"}', //                                         line 7
        '42', //                                                           line 8
        '{"id": 4}', //                                                    line 9, no final line break
      ].join('\r\n'),
    );
    const { rows, rejects } = await readAll(source, { entity, batchSize: 3 });
    expect(rows).toEqual([
      { key: '1', origin: 'tickets.jsonl:1', data: { id: 1, subject: 'Printer on fire', tags: ['hw'] } },
      { key: '3', origin: 'tickets.jsonl:6', data: { id: 3, subject: 'Refund', meta: { channel: 'email' } } },
      { key: '4', origin: 'tickets.jsonl:9', data: { id: 4 } },
    ]);
    expect(rejects).toEqual([
      { key: null, origin: 'tickets.jsonl:2', reason: expect.stringMatching(/^the line is not valid JSON: /), payload: '{"id": 2, "subject": "cut off' },
      { key: null, origin: 'tickets.jsonl:5', reason: 'the line holds an array, not a JSON object', payload: '["not", "an", "object"]' },
      { key: null, origin: 'tickets.jsonl:7', reason: 'the key column `id` is missing from the record', payload: { subject: 'no id' } },
      { key: null, origin: 'tickets.jsonl:8', reason: 'the line holds a number, not a JSON object', payload: '42' },
    ]);
    expect(await source.count(entity)).toBe(7);
  });

  it('reads lines with differing keys, and describes the first object (csvkit testjson_multiline.json)', async () => {
    const file = path.join(folder, 'multiline.jsonl');
    await copyFile(path.resolve(import.meta.dirname, '../../fixtures/files/csvkit/testjson_multiline.json'), file);
    const source = new JsonlSource(file);
    const { rows } = await readAll(source, { entity: { table: '', key: 'b' }, batchSize: 10 });
    expect(rows.map((r) => r.data)).toEqual([
      { a: 2, b: 3 },
      { b: 2, d: 4 },
    ]);
    expect((await source.describe(entity)).map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('numbers lines across chunk boundaries, with a line break inside a JSON string escaped', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: i + 1, text: `line\nwith escaped break ${'·'.repeat(i % 50)}` }));
    const { rows, batches } = await readAll(await jsonlFile('many.jsonl', lines.join('\n') + '\n'), { entity, batchSize: 500 });
    expect(batches.length).toBe(40);
    expect(rows.map((r) => r.origin)).toEqual(lines.map((_, i) => `many.jsonl:${i + 1}`));
    expect(rows[19_999]!.data.text).toBe(`line\nwith escaped break ${'·'.repeat(49)}`);
  });

  it('refuses `where`', async () => {
    const source = await jsonlFile('where.jsonl', '{"id": 1}\n');
    await expect(readAll(source, { entity: { ...entity, where: 'id = 1' }, batchSize: 1 })).rejects.toThrow(/do not support `where`/);
  });
});
