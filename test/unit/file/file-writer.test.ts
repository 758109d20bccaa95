/**
 * The one record writer (file-writer.ts) in the uses the backup writer had before it (exact values,
 * in place, private, encrypted), and where it meets its limits: a sheet name Excel would refuse,
 * a file that cannot be put in place, a reader slower than the rows, a stream that fails.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptChunks, parseBackupKey } from '../../../connectors/file/backup-cipher.js';
import { backupCsvLine, backupJsonLine } from '../../../connectors/file/backup-values.js';
import { createFileWriter, createStreamWriter, excelSheetName } from '../../../connectors/file/file-writer.js';

const COLUMNS = ['id', 'text', 'bytes', 'at'];
const AT = new Date(Date.UTC(2019, 2, 5, 14, 22, 10));
const ROWS = [
  { id: 1, text: '', bytes: Buffer.from([0, 255]), at: AT },
  { id: 2, text: null, bytes: null, at: null },
  { id: 3, text: '=1+1', bytes: Buffer.alloc(0), at: '2019-03-05 14:22:10' },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-file-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exact values (backups)', () => {
  it('spell CSV and JSON Lines as backup-values.ts does: NULL apart from empty text, bytes as base64, no formula guard', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const file = path.join(dir, `exact.${format}`);
      const writer = await createFileWriter(file, { format, columns: COLUMNS, values: 'exact' });
      await writer.write(ROWS);
      await writer.close();
      const expected = format === 'csv' ? backupCsvLine(COLUMNS) + ROWS.map((row) => backupCsvLine(COLUMNS.map((c) => row[c as keyof typeof row]))).join('') : ROWS.map((row) => backupJsonLine(COLUMNS, row)).join('');
      expect(await readFile(file, 'utf8')).toBe(expected);
    }
    expect(backupCsvLine([1, '', null])).toBe('1,"",\r\n'); // what the comparison above rests on
  });

  it('differ from readable values where they must: dates, NULL versus empty, bytes', async () => {
    const file = path.join(dir, 'readable.csv');
    const writer = await createFileWriter(file, { format: 'csv', columns: COLUMNS });
    await writer.write(ROWS.slice(0, 2));
    await writer.close();
    expect((await readFile(file, 'utf8')).split('\r\n')[1]).toBe('1,,"{""type"":""Buffer"",""data"":[0,255]}",2019-03-05 14:22:10');
  });

  it('refuse a formula guard, which would change the values', async () => {
    await expect(createFileWriter(path.join(dir, 'never.csv'), { format: 'csv', columns: COLUMNS, values: 'exact', guardFormulas: true })).rejects.toThrow(/^Expected `guardFormulas` to be false with `exact` values/);
    expect(await readdir(dir)).not.toContain('never.csv');
  });

  it('write in place, readable only by the owner, and leave what was written when discarded', async () => {
    const file = path.join(dir, 'in-place', 'customers.csv');
    const writer = await createFileWriter(file, { format: 'csv', columns: ['id'], values: 'exact', inPlace: true, mode: 0o600 });
    await writer.write(Array.from({ length: 20_000 }, (_, i) => ({ id: i })));
    // The file grows under its own name (a kill-test watches it), with no partial beside it.
    expect(await readdir(path.dirname(file))).toEqual(['customers.csv']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writer.discard();
    expect((await readFile(file, 'utf8')).startsWith('id\r\n0\r\n1\r\n')).toBe(true);
  });

  it('encrypt the bytes of every format, which decrypt to what the plain writer writes', async () => {
    const key = parseBackupKey(randomBytes(32).toString('hex'), 'TEST_KEY');
    for (const format of ['csv', 'jsonl', 'xlsx'] as const) {
      const plain = path.join(dir, `plain.${format}`);
      const sealed = path.join(dir, `sealed.${format}.enc`);
      for (const [file, options] of [[plain, {}], [sealed, { key }]] as const) {
        const writer = await createFileWriter(file, { format, columns: COLUMNS, values: 'exact', sheetName: 'customers', ...options });
        await writer.write(ROWS);
        await writer.close();
      }
      const sealedBytes = await readFile(sealed);
      expect(sealedBytes.subarray(0, 8).toString('ascii')).toBe('CUTOVERE');
      const opened: Buffer[] = [];
      for await (const chunk of decryptChunks(createReadStream(sealed), key, sealed)) opened.push(chunk);
      if (format === 'xlsx') {
        // A zip carries times of its own: the sheets are compared, not the bytes.
        const read = async (bytes: Buffer) => {
          const workbook = new ExcelJS.Workbook();
          await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
          const sheet = workbook.worksheets[0]!;
          return { name: sheet.name, rows: sheet.getSheetValues() };
        };
        expect(await read(Buffer.concat(opened))).toEqual(await read(await readFile(plain)));
        expect((await read(await readFile(plain))).name).toBe('customers');
      } else {
        expect(Buffer.concat(opened).toString('utf8')).toBe(await readFile(plain, 'utf8'));
      }
    }
  });
});

describe('sheet names', () => {
  it.each([
    ['customers', 'customers'],
    ['opportunity_line_items to review', 'opportunity_line_items to revie'],
    ['a/b:c*d?[e]\\f', 'a_b_c_d__e__f'],
    ["'quoted'", 'quoted'],
    ['History', 'data'],
    ['', 'data'],
  ])('makes %j a name Excel accepts: %j', (name, expected) => {
    expect(excelSheetName(name)).toBe(expected);
    expect(excelSheetName(name).length).toBeLessThanOrEqual(31);
  });

  it('gives the workbook that name', async () => {
    const file = path.join(dir, 'named.xlsx');
    const writer = await createFileWriter(file, { format: 'xlsx', columns: ['id'], sheetName: 'opportunity_line_items to review' });
    await writer.write([{ id: 1 }]);
    await writer.close();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['opportunity_line_items to revie']);
  });
});

describe('failures', () => {
  it('a file that cannot be put in place: the error names the file asked for, and no partial file is left', async () => {
    const folder = path.join(dir, 'blocked');
    const file = path.join(folder, 'review.csv');
    await mkdir(path.join(file, 'inside'), { recursive: true }); // a folder under the final name
    const writer = await createFileWriter(file, { format: 'csv', columns: ['id'] });
    await writer.write([{ id: 1 }]);
    const failure = await writer.close().then(() => null, (error: NodeJS.ErrnoException) => error);
    expect(failure?.code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(failure?.message).not.toContain('.partial');
    expect(await readdir(folder)).toEqual(['review.csv']);
    await expect(writer.write([{ id: 2 }])).rejects.toThrow(/write\(\) after close\(\) or discard\(\)/);
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk (/dev/full) fails the write or the close with ENOSPC, plain or encrypted, text or workbook', async () => {
    const key = parseBackupKey(randomBytes(32).toString('hex'), 'TEST_KEY');
    for (const [format, options] of [['csv', {}], ['xlsx', {}], ['jsonl', { key }]] as const) {
      const writer = await createFileWriter('/dev/full', { format, columns: ['id', 'text'], inPlace: true, ...options });
      const outcome = (async () => {
        for (let page = 0; page < 20; page++) await writer.write(Array.from({ length: 1000 }, (_, i) => ({ id: page * 1000 + i, text: randomBytes(40).toString('hex') })));
        await writer.close();
      })();
      await expect(outcome, format).rejects.toMatchObject({ code: 'ENOSPC' });
    }
  });

  it('a stream whose reader has gone (EPIPE) takes the rest without complaint; one that fails otherwise throws its error', async () => {
    for (const code of ['EPIPE', 'EIO']) {
      const stream = failingStream(code);
      const writer = await createStreamWriter(stream, { format: 'csv', columns: ['id', 'text'] });
      const outcome = (async () => {
        for (let page = 0; page < 50; page++) await writer.write(Array.from({ length: 1000 }, (_, i) => ({ id: page * 1000 + i, text: 'x'.repeat(50) })));
        await writer.close();
      })();
      if (code === 'EPIPE') await expect(outcome).resolves.toBeUndefined();
      else await expect(outcome).rejects.toMatchObject({ code: 'EIO' });
    }
  });

  it('waits for a slow reader: after each write, at most about two batches are held in memory', async () => {
    let received = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        // Counted once handled: until then the chunk is held in memory.
        setTimeout(() => {
          received += chunk.length;
          done();
        }, 1);
      },
    });
    const writer = await createStreamWriter(slow, { format: 'csv', columns: ['id', 'text'] });
    const batch = (page: number) => Array.from({ length: 500 }, (_, i) => ({ id: page * 500 + i, text: 'y'.repeat(200) }));
    const batchBytes = 500 * 205;
    let sent = 'id,text\r\n'.length;
    let most = 0;
    for (let page = 0; page < 8; page++) {
      await writer.write(batch(page));
      sent += batch(page).reduce((sum, row) => sum + `${row.id},${row.text}\r\n`.length, 0);
      most = Math.max(most, sent - received);
    }
    await writer.close();
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(2.5 * batchBytes);
  });
});

/** A stream that fails with `code` after its first chunk, as stdout does when its reader goes. */
function failingStream(code: string): Writable {
  let chunks = 0;
  return new Writable({
    highWaterMark: 1024,
    write(_chunk, _encoding, done) {
      chunks++;
      if (chunks === 1) return void setTimeout(done, 1);
      done(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
}
