/**
 * Files replaced whole: until a writer closes, the previous file is there as it was and the rows
 * go to a `.…partial` file beside it; a discarded writer leaves nothing; `replaceFile` never leaves
 * half of its data under the final name.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileWriter, FILE_WRITE_FORMATS } from '../../../connectors/file/file-writer.js';
import { partialPath, replaceFile } from '../../../connectors/file/replace-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-replace-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createFileWriter', () => {
  for (const format of FILE_WRITE_FORMATS) {
    it(`keeps the previous ${format} file until close, then replaces it whole`, async () => {
      const file = path.join(dir, `review.${format}`);
      await writeFile(file, 'previous');
      const writer = await createFileWriter(file, { format, columns: ['id', 'name'] });
      await writer.write(Array.from({ length: 500 }, (_, i) => ({ id: i, name: `name ${i}` })));
      // A process killed here leaves the previous file and a partial one that says what it is.
      expect(await readFile(file, 'utf8')).toBe('previous');
      expect(await readdir(dir)).toEqual([path.basename(partialPath(file)), `review.${format}`].sort());
      await writer.close();
      expect(await readdir(dir)).toEqual([`review.${format}`]);
      expect((await readFile(file)).length).toBeGreaterThan(500);
    });

    it(`leaves the previous ${format} file, and no partial one, when discarded`, async () => {
      const file = path.join(dir, `review.${format}`);
      await writeFile(file, 'previous');
      const writer = await createFileWriter(file, { format, columns: ['id'] });
      await writer.write([{ id: 1 }]);
      await writer.discard();
      await writer.close();
      expect(await readdir(dir)).toEqual([`review.${format}`]);
      expect(await readFile(file, 'utf8')).toBe('previous');
    });
  }
});

describe('replaceFile', () => {
  it('replaces the content whole', async () => {
    const file = path.join(dir, 'report.json');
    await writeFile(file, 'previous');
    await replaceFile(file, '{"new":true}\n');
    expect(await readFile(file, 'utf8')).toBe('{"new":true}\n');
    expect(await readdir(dir)).toEqual(['report.json']);
  });

  it('leaves the previous file, and no partial one, when the new one cannot be put in place', async () => {
    // A folder under the final name: the rename fails after the data was written.
    const file = path.join(dir, 'report.json');
    await writeFile(path.join(dir, 'keep.txt'), 'previous');
    await mkdir(path.join(file, 'inside'), { recursive: true });
    await expect(replaceFile(file, 'new')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect((await readdir(dir)).sort()).toEqual(['keep.txt', 'report.json']);
  });
});
