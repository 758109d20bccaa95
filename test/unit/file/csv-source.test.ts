/**
 * CSV reading on the quirks real exports have: the csv-spectrum conformance cases, byte-order
 * marks and encodings, CRLF / LF / CR-only line breaks, quoted line breaks and the line a record
 * starts on, ragged rows and unterminated quotes, sniffed delimiters, and bad headers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../../connectors/file/csv-records.js';
import { CsvSource, type CsvSourceOptions } from '../../../connectors/file/csv-source.js';
import { readTextChunks } from '../../../connectors/file/text-chunks.js';
import { FatalError } from '../../../connectors/errors.js';
import type { SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/files');
const spectrum = (name: string) => path.join(FIXTURES, 'csv-spectrum/csvs', `${name}.csv`);
const csvkit = (name: string) => path.join(FIXTURES, 'csvkit', name);

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-csv-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Writes `content` (text or bytes) to a temporary file and opens a source on it. */
async function csvFile(name: string, content: string | Uint8Array, options?: CsvSourceOptions): Promise<CsvSource> {
  const file = path.join(folder, name);
  await writeFile(file, content);
  return new CsvSource(file, options);
}

async function read(source: CsvSource, key: string, batchSize = 100) {
  return readAll(source, { entity: { table: 'ignored', key }, batchSize });
}

async function expected(name: string): Promise<Record<string, string>[]> {
  return JSON.parse(await readFile(path.join(FIXTURES, 'csv-spectrum/json', `${name}.json`), 'utf8')) as Record<string, string>[];
}

describe('csv-spectrum conformance cases', () => {
  const cases: [string, string][] = [
    ['comma_in_quotes', 'first'],
    ['empty', 'a'],
    ['escaped_quotes', 'a'],
    ['json', 'key'],
    ['newlines', 'a'],
    ['quotes_and_newlines', 'a'],
    ['simple', 'a'],
    ['utf8', 'a'],
  ];

  it.each(cases)('%s parses as its expected JSON', async (name, key) => {
    const { rows, rejects } = await read(new CsvSource(spectrum(name)), key);
    expect(rejects).toEqual([]);
    expect(rows.map((r) => r.data)).toEqual(await expected(name));
  });

  // The *_crlf.csv files of the snapshot are byte-identical to their LF twins (see the README), so
  // the CRLF versions are made here, line breaks inside quotes included.
  it.each([
    ['newlines', 'newlines_crlf'],
    ['simple', 'simple_crlf'],
    ['empty', 'empty_crlf'],
  ])('%s with CRLF line breaks parses as %s.json', async (name, crlfName) => {
    const text = (await readFile(spectrum(name), 'utf8')).replace(/\n/g, '\r\n');
    const { rows, rejects } = await read(await csvFile(`${crlfName}.csv`, text), 'a');
    expect(rejects).toEqual([]);
    expect(rows.map((r) => r.data)).toEqual(await expected(crlfName));
  });

  it('location_coordinates keeps quotes inside an unquoted field and U+FFFD characters', async () => {
    // Upstream's expected JSON has a different phone number than its CSV; the other fields match.
    const want = (await expected('location_coordinates')) as unknown as Record<string, string>;
    const { rows } = await read(new CsvSource(spectrum('location_coordinates')), 'Cities');
    expect(rows.map((r) => r.data)).toEqual([{ ...want, 'Contact Phone Number': '2095257564' }]);
  });
});

describe('encodings', () => {
  it('strips a UTF-8 byte-order mark from the first column name', async () => {
    const source = new CsvSource(csvkit('test_utf8_bom.csv'));
    expect((await source.describe({ table: '', key: 'foo' })).map((c) => c.name)).toEqual(['foo', 'bar', 'baz']);
    const { rows } = await read(source, 'foo');
    expect(rows.map((r) => r.data)).toEqual([
      { foo: '1', bar: '2', baz: '3' },
      { foo: '4', bar: '5', baz: 'ʤ' },
    ]);
  });

  it.each(['test_utf16_little.csv', 'test_utf16_big.csv'])('reads %s by its UTF-16 byte-order mark', async (name) => {
    const { rows } = await read(new CsvSource(csvkit(name)), 'a');
    expect(rows.map((r) => r.data)).toEqual([
      { a: '1', b: '2', c: '3' },
      { a: '4', b: '5', c: 'ʤ' },
    ]);
  });

  it('reads Latin-1 with encoding=windows-1252, and refuses it as UTF-8 with a hint', async () => {
    const { rows } = await read(new CsvSource(csvkit('test_latin1.csv'), { encoding: 'windows-1252' }), 'a');
    expect(rows.at(-1)?.data).toEqual({ a: '4', b: '5', c: '©' });
    const asUtf8 = read(new CsvSource(csvkit('test_latin1.csv')), 'a');
    await expect(asUtf8).rejects.toBeInstanceOf(FatalError);
    await expect(asUtf8).rejects.toThrow(/test_latin1\.csv is not valid utf-8 .*encoding=windows-1252/);
  });

  it('rejects the one UTF-8 row holding an invalid byte, naming line, field and byte, and reads the rest', async () => {
    const lines = ['id,name,city', ...Array.from({ length: 30 }, (_, i) => `${i + 1},Company ${i + 1},Dalian`)];
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const bad = bytes.indexOf('Company 17,') + 'Company 1'.length;
    bytes[bad] = 0xe9;
    const { rows, rejects } = await read(await csvFile('one-bad-byte.csv', bytes), 'id');
    expect(rows).toHaveLength(29);
    expect(rejects).toEqual([
      { key: '17', origin: 'one-bad-byte.csv:18', reason: expect.stringMatching(/^field `name` holds bytes that are not valid utf-8 \(0xE9\)/), payload: { id: '17', name: 'Company 1\uDCE9', city: 'Dalian' } },
    ]);
  });

  it('reads GB18030 (Chinese legacy encoding) when told', async () => {
    // 张伟,北京 in GB18030.
    const bytes = Uint8Array.from([0x69, 0x64, 0x2c, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x31, 0x2c, 0xd5, 0xc5, 0xce, 0xb0, 0x0a]);
    const { rows } = await read(await csvFile('gb.csv', bytes, { encoding: 'gb18030' }), 'id');
    expect(rows.map((r) => r.data)).toEqual([{ id: '1', name: '张伟' }]);
  });
});

describe('line breaks and origins', () => {
  it('reads CR-only (classic Mac) files, counting the quoted CR as a line', async () => {
    const { rows } = await read(new CsvSource(csvkit('mac_newlines.csv')), 'a');
    expect(rows.map((r) => [r.origin, r.data])).toEqual([
      ['mac_newlines.csv:2', { a: '1', b: '2', c: '3' }],
      ['mac_newlines.csv:3', { a: 'Once upon\ra time', b: '5', c: '6' }],
    ]);
  });

  it('gives the physical line a record starts on, with quoted line breaks and blank lines in between', async () => {
    const text = [
      'id,name,note', //                      line 1
      '1,plain,', //                          line 2
      '2,"two\r\nline breaks\nin here",x', // lines 3–5 (a quoted CRLF and a quoted LF)
      '3,"after",', //                        line 6
      '', //                                  line 7, blank
      '   ', //                               line 8: not blank, one field → a reject
      '4,last,"quoted ""end"""', //           line 9
    ].join('\r\n');
    const { rows, rejects } = await read(await csvFile('origins.csv', text), 'id');
    expect(rows.map((r) => [r.origin, r.key])).toEqual([
      ['origins.csv:2', '1'],
      ['origins.csv:3', '2'],
      ['origins.csv:6', '3'],
      ['origins.csv:9', '4'],
    ]);
    expect(rows[1]!.data.name).toBe('two\r\nline breaks\nin here');
    expect(rows[3]!.data.note).toBe('quoted "end"');
    expect(rejects.map((r) => r.origin)).toEqual(['origins.csv:8']);
  });

  it('reads a file that mixes CRLF and LF lines without leaving \\r on the last field', async () => {
    const { rows } = await read(await csvFile('mixed.csv', 'id,name\r\n1,a\n2,b\r\n3,"c"\r\n4,\r\n5,e'), 'id');
    expect(rows.map((r) => r.data)).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
      { id: '3', name: 'c' },
      { id: '4', name: '' },
      { id: '5', name: 'e' },
    ]);
  });

  it('keeps a quoted value that itself ends with \\r', async () => {
    const { rows } = await read(await csvFile('cr-value.csv', 'id,name\r\n1,"ends with CR\r"\r\n'), 'id');
    expect(rows[0]!.data.name).toBe('ends with CR\r');
  });

  it('counts lines correctly across many 64 KiB chunks', async () => {
    let text = 'id,body,tail\r\n';
    let line = 2;
    const want: [string, string][] = [];
    for (let id = 1; id <= 3000; id++) {
      const breaks = id % 4;
      const body = Array.from({ length: breaks + 1 }, (_, i) => `part ${i} of ${id} ${'x'.repeat(id % 97)}`).join(id % 2 ? '\r\n' : '\n');
      want.push([`big.csv:${line}`, body]);
      text += `${id},"${body}",t${id}\r\n`;
      line += breaks + 1;
    }
    expect(text.length).toBeGreaterThan(4 * 64 * 1024);
    const { rows, rejects, batches } = await read(await csvFile('big.csv', text), 'id', 250);
    expect(rejects).toEqual([]);
    expect(batches.length).toBe(12);
    expect(rows.map((r) => [r.origin, r.data.body])).toEqual(want);
    expect(rows.at(-1)?.data.tail).toBe('t3000');
  });
});

describe('malformed records', () => {
  it('rejects ragged rows, naming both field counts, and keeps the good rows (csvkit bad.csv)', async () => {
    const { rows, rejects } = await read(new CsvSource(csvkit('bad.csv')), 'column_a');
    expect(rows.map((r) => [r.origin, r.data])).toEqual([['bad.csv:4', { column_a: '0', column_b: 'mixed types.... uh oh', column_c: '17' }]]);
    expect(rejects).toEqual([
      { key: '1', origin: 'bad.csv:2', reason: expect.stringMatching(/has 4 fields but the header has 3/), payload: '1,27,,"I\'m too long!"' },
      { key: null, origin: 'bad.csv:3', reason: expect.stringMatching(/has 2 fields but the header has 3/), payload: ',"I\'m too short!"' },
    ]);
  });

  it('rejects a record with an unterminated quote at its line, and reads the lines after it as records', async () => {
    const text = 'id,name,note\n1,ok,\n2,"never closed,x\n3,not swallowed,\n';
    const { rows, rejects } = await read(await csvFile('unterminated.csv', text), 'id');
    expect(rows.map((r) => [r.origin, r.key])).toEqual([
      ['unterminated.csv:2', '1'],
      ['unterminated.csv:4', '3'],
    ]);
    expect(rejects).toEqual([{ key: '2', origin: 'unterminated.csv:3', reason: expect.stringMatching(/^unclosed quote: the quoted value opened on line 3 is never closed/), payload: '2,"never closed,x' }]);
  });

  it('rejects a record with an empty key, and counts every record', async () => {
    const source = await csvFile('nokey.csv', 'id,name\n1,a\n,b\n3,c\n');
    const { rows, rejects } = await read(source, 'id');
    expect(rows.map((r) => r.key)).toEqual(['1', '3']);
    expect(rejects).toEqual([{ key: null, origin: 'nokey.csv:3', reason: 'the key column `id` is empty', payload: { id: '', name: 'b' } }]);
    expect(await source.count({ table: '', key: 'id' })).toBe(3);
  });

  it('stops on a line longer than the record limit that holds no quote instead of holding the rest of the file', async () => {
    const file = path.join(folder, 'runaway.csv');
    await writeFile(file, `id,name\n1,a\n2,${'x'.repeat(300_000)}`);
    const records = async () => {
      for await (const _ of readCsvRecords(readTextChunks(file, 'utf-8'), { delimiter: null, maxRecordChars: 100_000 }, file)) void _;
    };
    await expect(records()).rejects.toThrow(/runaway\.csv:3: the record starting on this line is longer than 100000 characters without a line break/);
  });
});

describe('values', () => {
  it('keeps fields exactly as written: spaces, empty strings, leading zeros', async () => {
    const { rows } = await read(await csvFile('values.csv', 'id,name,zip,empty\n007, padded ,01234,\n'), 'id');
    expect(rows).toEqual([{ key: '007', origin: 'values.csv:2', data: { id: '007', name: ' padded ', zip: '01234', empty: '' } }]);
  });
});

describe('delimiters', () => {
  it.each([
    [';', 'id;name;amount\n1;Smith, John;1,50\n2;Li, Wei;2,00\n'],
    ['\t', 'id\tname\tamount\n1\tSmith, John\t1,50\n2\tLi, Wei\t2,00\n'],
    ['|', 'id|name|amount\n1|Smith, John|1,50\n2|Li, Wei|2,00\n'],
  ])('sniffs %j even when values contain commas', async (_delimiter, text) => {
    const { rows } = await read(await csvFile('sniffed.csv', text), 'id');
    expect(rows.map((r) => r.data)).toEqual([
      { id: '1', name: 'Smith, John', amount: '1,50' },
      { id: '2', name: 'Li, Wei', amount: '2,00' },
    ]);
  });

  it('uses the configured delimiter over the sniffed one', async () => {
    const { rows } = await read(await csvFile('forced.csv', 'id;name,x\n1;a,b\n', { delimiter: ',' }), 'id;name');
    expect(rows.map((r) => r.data)).toEqual([{ 'id;name': '1;a', x: 'b' }]);
  });

  it('reads a single-column file', async () => {
    const { rows } = await read(await csvFile('single.csv', 'id\n1\n2\n'), 'id');
    expect(rows.map((r) => r.data)).toEqual([{ id: '1' }, { id: '2' }]);
  });
});

describe('headers', () => {
  const entity: SourceEntity = { table: '', key: 'id' };

  it('refuses duplicate column names, naming them', async () => {
    const source = await csvFile('dup.csv', 'id,email,name,email\n1,a,b,c\n');
    await expect(read(source, 'id')).rejects.toThrow(/dup\.csv:1: the header has duplicate column names `email` \(positions 2, 4\)/);
    await expect(source.describe(entity)).rejects.toBeInstanceOf(FatalError);
  });

  it('refuses empty column names, naming their positions', async () => {
    await expect(read(await csvFile('empty-name.csv', 'id,,name,\n1,a,b,c\n'), 'id')).rejects.toThrow(/empty column names at positions 2, 4/);
  });

  it('refuses a key column that is not in the header', async () => {
    await expect(read(await csvFile('nokeycol.csv', 'ID,name\n1,a\n'), 'id')).rejects.toThrow(/key column `id` is not in the header \(columns: `ID`, `name`\)/);
  });

  it('skips blank lines before the header (csvkit test_skip_lines.csv)', async () => {
    const { rows } = await read(new CsvSource(csvkit('test_skip_lines.csv')), 'a');
    expect(rows).toEqual([{ key: '1', origin: 'test_skip_lines.csv:5', data: { a: '1', b: '2', c: '3' } }]);
  });

  it('starts at header_row, past a preamble', async () => {
    const source = await csvFile('preamble.csv', 'Exported by LegacyCRM\nAll customers; 2 rows\nid;name\n1;a\n2;b\n', { headerRow: 3 });
    expect((await source.describe(entity)).map((c) => c.name)).toEqual(['id', 'name']);
    expect((await read(source, 'id')).rows.map((r) => r.origin)).toEqual(['preamble.csv:4', 'preamble.csv:5']);
    const tooFar = await csvFile('short.csv', 'id\n1\n', { headerRow: 5 });
    await expect(read(tooFar, 'id')).rejects.toThrow(/no header found at or after line 5/);
  });

  it('describes the header as nullable text columns, and an empty file as none', async () => {
    expect(await new CsvSource(spectrum('simple')).describe(entity)).toEqual([
      { name: 'a', type: 'text', nullable: true },
      { name: 'b', type: 'text', nullable: true },
      { name: 'c', type: 'text', nullable: true },
    ]);
    const empty = await csvFile('empty.csv', '');
    expect(await empty.describe(entity)).toEqual([]);
    expect((await read(empty, 'id')).batches).toEqual([]);
  });
});

describe('source behaviour', () => {
  it('refuses `where`, pointing at filter rules', async () => {
    const source = new CsvSource(spectrum('simple'));
    await expect(readAll(source, { entity: { table: '', key: 'a', where: 'a > 1' }, batchSize: 10 })).rejects.toThrow(/do not support `where`.*`filter:` rules/);
    await expect(source.count({ table: '', key: 'a', where: 'a > 1' })).rejects.toBeInstanceOf(FatalError);
  });

  it('ignores `after` and numbers watermarks by record, rejects included', async () => {
    const source = await csvFile('marks.csv', 'id\n1\n\n2\n,\n3\n');
    const { batches } = await readAll(source, { entity: { table: '', key: 'id' }, after: { cursor: 'x', key: 2 }, batchSize: 2 });
    expect(batches.map((b) => b.last)).toEqual([
      { cursor: null, key: 2 },
      { cursor: null, key: 4 },
    ]);
  });

  it('refuses a batchSize below 1 with an argument error', async () => {
    await expect(readAll(new CsvSource(spectrum('simple')), { entity: { table: '', key: 'a' }, batchSize: 0 })).rejects.toThrow('Expected `batchSize` to be an integer ≥ 1, got `0` (number)');
  });

  it('names the file when it does not exist', async () => {
    const missing = path.join(folder, 'missing.csv');
    await expect(read(new CsvSource(missing), 'id')).rejects.toThrow(`Cannot read ${missing}: file not found`);
  });
});
