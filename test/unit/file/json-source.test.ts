/**
 * JSON array files: elements as records, rejects for non-objects and missing keys, clear errors
 * for files that are not an array of objects, and memory that stays flat on 100,000 objects.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatalError } from '../../../connectors/errors.js';
import { JsonSource } from '../../../connectors/file/json-source.js';
import type { SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

const entity: SourceEntity = { table: 'ignored', key: 'id' };
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-json-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function jsonFile(name: string, content: string): Promise<JsonSource> {
  const file = path.join(folder, name);
  await writeFile(file, content);
  return new JsonSource(file);
}

describe('records', () => {
  it('reads each element as a record, keeping nested values, with rejects for the rest', async () => {
    const source = await jsonFile(
      'customers.json',
      '\uFEFF[\n {"id": 17, "name": "张伟", "address": {"city": "北京", "lines": ["a", "b"]}, "vip": true, "score": 1.5e3, "note": null},\n' +
        ' "a string",\n {"name": "no id"},\n {"id": "A-2", "tags": []},\n null,\n {"id": ""}\n]',
    );
    const { rows, rejects } = await readAll(source, { entity, batchSize: 2 });
    expect(rows).toEqual([
      { key: '17', origin: 'customers.json[0]', data: { id: 17, name: '张伟', address: { city: '北京', lines: ['a', 'b'] }, vip: true, score: 1500, note: null } },
      { key: 'A-2', origin: 'customers.json[3]', data: { id: 'A-2', tags: [] } },
    ]);
    expect(rejects).toEqual([
      { key: null, origin: 'customers.json[1]', reason: 'the array element is a string, not an object', payload: 'a string' },
      { key: null, origin: 'customers.json[2]', reason: 'the key column `id` is missing from the record', payload: { name: 'no id' } },
      { key: null, origin: 'customers.json[4]', reason: 'the array element is null, not an object', payload: null },
      { key: null, origin: 'customers.json[5]', reason: 'the key column `id` is empty', payload: { id: '' } },
    ]);
    expect(await source.count(entity)).toBe(6);
    expect(await source.describe(entity)).toEqual(['id', 'name', 'address', 'vip', 'score', 'note'].map((name) => ({ name, type: 'json', nullable: true })));
  });

  it('keeps a `__proto__` key as data', async () => {
    const { rows } = await readAll(await jsonFile('proto.json', '[{"id": 1, "__proto__": {"polluted": true}}]'), { entity, batchSize: 10 });
    expect(Object.keys(rows[0]!.data)).toEqual(['id', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads an empty array as no records', async () => {
    const source = await jsonFile('empty.json', '[]');
    expect((await readAll(source, { entity, batchSize: 10 })).batches).toEqual([]);
    expect(await source.describe(entity)).toEqual([]);
  });
});

describe('files that are not an array of objects', () => {
  it('points a JSON Lines file named .json at the .jsonl extension (csvkit testjson_multiline.json)', async () => {
    const source = new JsonSource(path.resolve(import.meta.dirname, '../../fixtures/files/csvkit/testjson_multiline.json'));
    const reading = readAll(source, { entity, batchSize: 10 });
    await expect(reading).rejects.toBeInstanceOf(FatalError);
    await expect(reading).rejects.toThrow(/expected a JSON array of objects at the top level .*found `\{` first; for a file with one object per line, name it \.jsonl/);
  });

  it.each([
    ['truncated', '[{"id": 1}, {"id": 2, "na'],
    ['unclosed array', '[{"id": 1}, {"id": 2}'],
    ['trailing text', '[{"id": 1}] {"id": 2}'],
    ['empty file', ''],
  ])('stops with a FatalError on a %s file, after the elements before the fault', async (_case, text) => {
    const source = await jsonFile('bad.json', text);
    const keys: string[] = [];
    const reading = (async () => {
      for await (const batch of source.read({ entity, batchSize: 1 })) keys.push(...batch.rows.map((r) => r.key));
    })();
    await expect(reading).rejects.toThrow(/bad\.json is not valid JSON/);
    expect(keys.length).toBeLessThanOrEqual(2);
  });
});

describe('memory', () => {
  it('reads a JSON array of 100,000 objects with bounded memory', async () => {
    const file = path.join(folder, 'large.json');
    const out = createWriteStream(file);
    out.write('[\n');
    for (let i = 1; i <= 100_000; i++) {
      const record = { id: i, name: `Customer ${i}`, email: `c${i}@example.com`, address: { city: 'Shanghai', lines: [`${i} Nanjing Road`] }, notes: `${'n'.repeat(480)}${i}` };
      if (!out.write(`${JSON.stringify(record)}${i < 100_000 ? ',' : ''}\n`)) await once(out, 'drain');
    }
    out.end(']\n');
    await once(out, 'finish');
    const size = (await stat(file)).size;
    // Bigger than the allowed growth, so that holding the file (or its objects) would fail the test.
    expect(size).toBeGreaterThan(55 * 1024 * 1024);

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let rows = 0;
    let batches = 0;
    let lastKey = '';
    for await (const batch of new JsonSource(file).read({ entity, batchSize: 1_000 })) {
      rows += batch.rows.length;
      lastKey = batch.rows[batch.rows.length - 1]?.key ?? lastKey;
      if (++batches % 10 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(rows).toBe(100_000);
    expect(lastKey).toBe('100000');
    expect(peak).toBeLessThan(50 * 1024 * 1024);
  }, 60_000);
});
