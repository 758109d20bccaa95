/**
 * An export replaced, truncated or appended to while a run reads it: the read stops at the next
 * batch boundary with one message, before a batch that could mix the two versions is handed on.
 */
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { FatalError } from '../../../connectors/errors.js';
import { parseFileConfig } from '../../../connectors/file/file-config.js';
import { FileSource } from '../../../connectors/file/file-source.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-file-changed-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const csv = (from: number, to: number) => ['id,name', ...Array.from({ length: to - from + 1 }, (_, i) => `${from + i},name ${from + i}`)].join('\n') + '\n';

/** Reads customers.csv in batches of 2; `between` runs after the first batch. */
async function readChanging(between: (file: string) => Promise<void>): Promise<{ batches: number; error: unknown }> {
  const file = path.join(folder, 'customers.csv');
  await writeFile(file, csv(1, 6));
  const source = new FileSource(parseFileConfig(parseConnectionUrl(`file://${folder}`), { baseDir: folder }));
  let batches = 0;
  try {
    for await (const batch of source.read({ entity: { table: 'customers', key: 'id' }, batchSize: 2 })) {
      expect(batch.rows.length).toBeGreaterThan(0);
      if (++batches === 1) await between(file);
    }
    return { batches, error: undefined };
  } catch (error) {
    return { batches, error };
  } finally {
    await source.close();
  }
}

describe('a file source whose file changes during the read', () => {
  it('reads every batch of a file left alone', async () => {
    expect(await readChanging(async () => {})).toEqual({ batches: 3, error: undefined });
  });

  it.each([
    ['replaced by another file', async (file: string) => {
      await writeFile(`${file}.new`, csv(100, 105));
      await rename(`${file}.new`, file);
    }, /customers\.csv was replaced by another file while it was read/],
    ['truncated', (file: string) => truncate(file, 20), /customers\.csv was truncated \(\d+ → 20 bytes\) while it was read/],
    ['appended to', (file: string) => appendFile(file, '7,name 7\n'), /customers\.csv was written to \(\d+ → \d+ bytes\) while it was read/],
    ['removed', (file: string) => rm(file), /customers\.csv was removed while it was read/],
  ])('stops with one message when it is %s', async (_how, change, message) => {
    const { batches, error } = await readChanging(change);
    expect(batches).toBe(1);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/the batches committed before the change are kept.*Run again once the export is complete/);
  });
});
