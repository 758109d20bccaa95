/**
 * A quote that is never closed must not swallow the records after it: the record is cut at the
 * end of the quote's line (a reject naming the quote and its line) and the following lines are
 * read as records, so that the source count is the physical record count. Also: `""` versus an
 * empty field with `empty: 'empty_string'`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRecords, type CsvReadOptions, type CsvRecord } from '../../../connectors/file/csv-records.js';
import { CsvSource, type CsvSourceOptions } from '../../../connectors/file/csv-source.js';
import { FatalError } from '../../../connectors/errors.js';
import { readAll } from '../../contract/source-contract.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-csv-quotes-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function csvFile(name: string, content: string, options?: CsvSourceOptions): Promise<CsvSource> {
  const file = path.join(folder, name);
  await writeFile(file, content);
  return new CsvSource(file, options);
}

/** Rows, rejects and `count()`, which must be the records read: rows plus rejects. */
async function readCounted(source: CsvSource, key = 'id') {
  const entity = { table: '', key };
  const { rows, rejects } = await readAll(source, { entity, batchSize: 100 });
  const count = await source.count(entity);
  expect(count).toBe(rows.length + rejects.length);
  return { rows, rejects, count };
}

/** The records of `text` fed in chunks of `size` characters. */
async function recordsInChunks(text: string, size: number, options: Partial<CsvReadOptions> = {}): Promise<CsvRecord[]> {
  async function* chunks() {
    for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
  }
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords(chunks(), { delimiter: null, ...options }, 'chunks.csv')) records.push(record);
  return records;
}

describe('a quote that is never closed', () => {
  it("reads the rows after it as rows and counts every physical record (the tester's file)", async () => {
    const source = await csvFile('tester.csv', 'id,name\n1,a\n2,"broken\n3,c\n4,d\n');
    const { rows, rejects, count } = await readCounted(source);
    expect(rows.map((r) => [r.origin, r.data])).toEqual([
      ['tester.csv:2', { id: '1', name: 'a' }],
      ['tester.csv:4', { id: '3', name: 'c' }],
      ['tester.csv:5', { id: '4', name: 'd' }],
    ]);
    expect(rejects).toEqual([
      {
        key: '2',
        origin: 'tester.csv:3',
        reason:
          'unclosed quote: the quoted value opened on line 3 is never closed (the file ends inside it); the lines after it are read as records of their own. ' +
          'Fix the file: close the quote on line 3, or write a quote inside a value twice ("")',
        payload: '2,"broken',
      },
    ]);
    expect(count).toBe(4);
  });

  it('is found when a later quoted field would otherwise close it, several times in a file', async () => {
    const text = 'id,name,city\r\n1,"Smith, J",Dalian\r\n2,"broken,x\r\n3,"Li, W",Beijing\r\n4,"also broken,y\r\n5,e,"Shang""hai"\r\n';
    const { rows, rejects } = await readCounted(await csvFile('later-quote.csv', text));
    expect(rows.map((r) => [r.origin, r.data])).toEqual([
      ['later-quote.csv:2', { id: '1', name: 'Smith, J', city: 'Dalian' }],
      ['later-quote.csv:4', { id: '3', name: 'Li, W', city: 'Beijing' }],
      ['later-quote.csv:6', { id: '5', name: 'e', city: 'Shang"hai' }],
    ]);
    expect(rejects.map((r) => [r.origin, r.key, r.payload])).toEqual([
      ['later-quote.csv:3', '2', '2,"broken,x'],
      ['later-quote.csv:5', '4', '4,"also broken,y'],
    ]);
    expect(rejects[0]!.reason).toMatch(/^unclosed quote: the quoted value opened on line 3 runs past the end of its line and the next quote does not close it/);
  });

  it.each([
    ['with', '\n'],
    ['without', ''],
  ])('on the last line (%s a final line break) is rejected at that line', async (_, end) => {
    const { rows, rejects } = await readCounted(await csvFile('last.csv', `id,name\n1,a\n2,b\n3,"never closed${end}`));
    expect(rows.map((r) => r.key)).toEqual(['1', '2']);
    expect(rejects).toEqual([{ key: '3', origin: 'last.csv:4', reason: expect.stringMatching(/^unclosed quote: the quoted value opened on line 4 is never closed/), payload: '3,"never closed' }]);
  });

  it('in a 40 MB quoted field is reported at its start line with the option to raise, and the rows after it load', async () => {
    const file = path.join(folder, 'huge.csv');
    await writeFile(file, `id,name\n1,a\n2,"${'x'.repeat(40 * 1024 * 1024)}\n3,c\n4,d\n`);
    const { rows, rejects } = await readCounted(new CsvSource(file));
    expect(rows.map((r) => [r.origin, r.key])).toEqual([
      ['huge.csv:2', '1'],
      ['huge.csv:4', '3'],
      ['huge.csv:5', '4'],
    ]);
    expect(rejects).toHaveLength(1);
    const [reject] = rejects;
    expect(reject!.origin).toBe('huge.csv:3');
    expect(reject!.key).toBe('2');
    expect(reject!.reason).toMatch(/^unclosed quote: the quoted value opened on line 3 holds more than 8388608 characters;.*close the quote on line 3.*raise `max_quoted_chars`/);
    // The payload is the start of the record, not 40 MB.
    expect(reject!.payload).toMatch(/^2,"x{65533}… \(41877507 more characters left out\)$/);
  });

  it('running over many lines is cut at the line bound, and the lines after its own are rows again', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${i + 3},row ${i + 3}`);
    const text = `id,name\n1,a\n2,"opened\n${lines.join('\n')}\n3002,"x"\n`;
    const { rows, rejects } = await readCounted(await csvFile('many-lines.csv', text, { maxQuotedLines: 100 }));
    expect(rejects.map((r) => [r.origin, r.payload])).toEqual([['many-lines.csv:3', '2,"opened']]);
    expect(rejects[0]!.reason).toMatch(/holds more than 100 line breaks;.*raise `max_quoted_lines` in the connection URL \(e\.g\. \?max_quoted_lines=1000\)/);
    expect(rows).toHaveLength(3002);
    expect(rows.at(-1)).toEqual({ key: '3002', origin: 'many-lines.csv:3004', data: { id: '3002', name: 'x' } });
  });

  it('gives the same records whatever the chunks the text arrives in', async () => {
    const good = Array.from({ length: 2000 }, (_, i) => `${i},"note ${i}\nsecond line",${'y'.repeat(i % 50)}`).join('\n');
    const text = `id,note,tail\n${good}\n9000,"never closed,t\n${good}\n9001,"open over the bound\n${'z,z,z\n'.repeat(600)}9002,"last",t\n`;
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    const options = { maxQuotedLines: 50, maxQuotedChars: 1000 };
    const whole = await recordsInChunks(text, text.length, options);
    const unclosed = whole.filter((r) => r.problem?.kind === 'unclosed');
    expect(unclosed.map((r) => [r.line, r.text])).toEqual([
      [4002, '9000,"never closed,t'],
      [8003, '9001,"open over the bound'],
    ]);
    expect(unclosed[0]!.problem!.reason).toMatch(/runs past the end of its line and the next quote does not close it/);
    expect(unclosed[1]!.problem!.reason).toMatch(/holds more than 50 line breaks/);
    expect(whole).toHaveLength(1 + 2000 + 1 + 2000 + 1 + 600 + 1);
    expect(whole.at(-1)).toMatchObject({ line: 1 + 4000 + 1 + 4000 + 1 + 600 + 1, fields: ['9002', 'last', 't'] });
    for (const size of [1000, 4099, 65_536]) expect(await recordsInChunks(text, size, options)).toEqual(whole);
  });

  it('fails the read when the header has one', async () => {
    const read = readAll(await csvFile('header.csv', 'id,"name\n1,a\n'), { entity: { table: '', key: 'id' }, batchSize: 10 });
    await expect(read).rejects.toBeInstanceOf(FatalError);
    await expect(read).rejects.toThrow(/header\.csv:1: the header is malformed \(unclosed quote: the quoted value opened on line 1/);
  });
});

describe('quotes that are closed', () => {
  it('keep a multi-line note within the bound as one value', async () => {
    const note = Array.from({ length: 1000 }, (_, i) => `line ${i} with "quoted" words`.replaceAll('"', '""')).join('\r\n');
    const { rows, rejects } = await readCounted(await csvFile('note.csv', `id,note,x\r\n1,"${note}",a\r\n2,b,c\r\n`));
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.origin, r.data.x])).toEqual([
      ['note.csv:2', 'a'],
      ['note.csv:1002', 'c'],
    ]);
    expect(rows[0]!.data.note).toBe(note.replaceAll('""', '"'));
  });

  it('keep a record whose quote inside a value is not doubled on its own line as one reject, as before', async () => {
    const { rows, rejects } = await readCounted(await csvFile('inner.csv', 'id,note\n1,"says "hi" twice"\n2,b\n'));
    expect(rows.map((r) => r.key)).toEqual(['2']);
    expect(rejects).toEqual([{ key: '1', origin: 'inner.csv:2', reason: expect.stringMatching(/^malformed quoting: trailing quote on quoted field is malformed/), payload: '1,"says "hi" twice"' }]);
  });

  it('take a value past the bound for an unclosed quote, naming the option to raise', async () => {
    const text = 'id,note\n1,"one\ntwo\nthree\nfour"\n2,b\n';
    const bounded = await readCounted(await csvFile('bound.csv', text, { maxQuotedLines: 2 }));
    // Its other lines are then records of their own, rejected for their field count.
    expect(bounded.rejects.map((r) => [r.origin, r.payload])).toEqual([
      ['bound.csv:2', '1,"one'],
      ['bound.csv:3', 'two'],
      ['bound.csv:4', 'three'],
      ['bound.csv:5', 'four"'],
    ]);
    expect(bounded.rejects[0]!.reason).toMatch(/opened on line 2 holds more than 2 line breaks;.*if the value really is that long, raise `max_quoted_lines`/);
    expect(bounded.rows.map((r) => r.origin)).toEqual(['bound.csv:6']);
    const raised = await readCounted(await csvFile('bound.csv', text, { maxQuotedLines: 3 }));
    expect(raised.rejects).toEqual([]);
    expect(raised.rows.map((r) => r.data)).toEqual([
      { id: '1', note: 'one\ntwo\nthree\nfour' },
      { id: '2', note: 'b' },
    ]);
  });
});

describe('empty fields', () => {
  const text = 'id,name,note\r\n1,"",\r\n2,,""\r\n3,"x",y\r\n';

  it('are all empty text by default (the mapping decides about NULL)', async () => {
    const { rows } = await readCounted(await csvFile('empty.csv', text));
    expect(rows.map((r) => r.data)).toEqual([
      { id: '1', name: '', note: '' },
      { id: '2', name: '', note: '' },
      { id: '3', name: 'x', note: 'y' },
    ]);
  });

  it("with empty: 'empty_string', keep a quoted \"\" as '' and read an unquoted empty field as NULL", async () => {
    const { rows } = await readCounted(await csvFile('empty.csv', text, { empty: 'empty_string' }));
    expect(rows.map((r) => r.data)).toEqual([
      { id: '1', name: '', note: null },
      { id: '2', name: null, note: '' },
      { id: '3', name: 'x', note: 'y' },
    ]);
  });

  it("with empty: 'empty_string' and a sniffed delimiter, tell quoted fields apart by it", async () => {
    const { rows, rejects } = await readCounted(await csvFile('semicolon.csv', 'id;name;note\n1;"";\n;"";x\n', { empty: 'empty_string' }));
    expect(rows.map((r) => r.data)).toEqual([{ id: '1', name: '', note: null }]);
    expect(rejects).toEqual([{ key: null, origin: 'semicolon.csv:3', reason: 'the key column `id` is empty', payload: { id: null, name: '', note: 'x' } }]);
  });
});
