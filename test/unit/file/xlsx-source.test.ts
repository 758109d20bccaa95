/**
 * XLSX reading: the csvkit workbooks (sheet selection, date cells, a 1904-based workbook), cell
 * normalisation on a workbook laid out the way Excel writes it (shared strings and styles before
 * the sheet, so exceljs streams the sheet), header rules, and handles released on `break`.
 */
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatalError } from '../../../connectors/errors.js';
import { createFileWriter } from '../../../connectors/file/file-writer.js';
import { XlsxSource } from '../../../connectors/file/xlsx-source.js';
import { decodeOoxmlEscapes, wallClockText } from '../../../connectors/file/xlsx-cell-value.js';
import type { SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

const CSVKIT = path.resolve(import.meta.dirname, '../../fixtures/files/csvkit');
const CSVKIT_ROWS = [
  { text: 'Chicago Reader', date: '1971-01-01', integer: 40, boolean: 1, float: 1, datetime: '1971-01-01 04:14:00', empty_column: null },
  { text: 'Chicago Tribune', date: '1920-01-01', integer: 164, boolean: null, float: 41800000.01, datetime: '1920-01-01', empty_column: null },
  { text: 'This row has blanks', date: null, integer: null, boolean: null, float: null, datetime: null, empty_column: null },
  { text: 'Unicode! Σ', date: null, integer: null, boolean: null, float: null, datetime: null, empty_column: null },
];

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-xlsx-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const read = (source: XlsxSource, key: string, batchSize = 100) => readAll(source, { entity: { table: 'ignored', key }, batchSize });

describe('csvkit workbooks', () => {
  it('reads dummy.xlsx', async () => {
    const { rows } = await read(new XlsxSource(path.join(CSVKIT, 'dummy.xlsx')), 'a');
    expect(rows).toEqual([{ key: '1', origin: 'dummy.xlsx!Sheet1:2', data: { a: 1, b: 2, c: 3 } }]);
  });

  it('reads test.xlsx: date cells as wall-clock text, numbers as numbers, blanks as null', async () => {
    const { rows, rejects } = await read(new XlsxSource(path.join(CSVKIT, 'test.xlsx')), 'text');
    // The boolean column holds formulas: exceljs's streaming reader gives TRUE() as 1, and the
    // FALSE formula of row 4 has no cached value.
    expect(rows.map((r) => r.data)).toEqual(CSVKIT_ROWS);
    expect(rows.map((r) => r.origin)).toEqual(['test.xlsx!Sheet1:2', 'test.xlsx!Sheet1:4', 'test.xlsx!Sheet1:5', 'test.xlsx!Sheet1:6']);
    // Row 3 has "Extra data beyond headers" in column H: a reject, not a silently trimmed value.
    expect(rejects).toEqual([
      {
        key: 'Chicago Sun-Times',
        origin: 'test.xlsx!Sheet1:3',
        reason: expect.stringMatching(/values beyond the 7 header columns \(in column H\)/),
        payload: expect.objectContaining({ text: 'Chicago Sun-Times', datetime: '1948-01-01 14:57:13', H: 'Extra data beyond headers will be trimmed' }),
      },
    ]);
  });

  it('reads the first sheet in tab order by default, and a sheet by name (sheets.xlsx, a 1904-based workbook)', async () => {
    const file = path.join(CSVKIT, 'sheets.xlsx');
    const first = new XlsxSource(file);
    expect(await first.describe({ table: '', key: 'a' })).toEqual([]); // `not this one` is empty
    expect((await read(first, 'a')).rows).toEqual([]);
    const data = await read(new XlsxSource(file, { sheet: 'data' }), 'text');
    expect(data.rows.map((r) => r.data)).toEqual(CSVKIT_ROWS);
    expect(data.rows[0]!.origin).toBe('sheets.xlsx!data:2');
    const unicode = await read(new XlsxSource(file, { sheet: 'ʤ' }), 'a');
    expect(unicode.rows).toEqual([{ key: '1', origin: 'sheets.xlsx!ʤ:2', data: { a: 1, b: 2, c: 3 } }]);
  });

  it('reads a workbook whose sheets precede the shared strings the same way every time', async () => {
    // exceljs's front-to-back reader lost the parts after such sheets in about one read in four.
    for (let attempt = 0; attempt < 25; attempt++) {
      const data = await read(new XlsxSource(path.join(CSVKIT, 'sheets.xlsx'), { sheet: 'data' }), 'text');
      expect(data.rows.map((r) => r.data)).toEqual(CSVKIT_ROWS);
    }
  });

  it('names the sheets when the requested one does not exist', async () => {
    await expect(read(new XlsxSource(path.join(CSVKIT, 'sheets.xlsx'), { sheet: 'Data' }), 'text')).rejects.toThrow(
      /no sheet named `Data`; the workbook's sheets are `not this one`, `data`, `ʤ`/,
    );
  });

  it('skips empty rows before the header (test_skip_lines.xlsx)', async () => {
    const source = new XlsxSource(path.join(CSVKIT, 'test_skip_lines.xlsx'));
    expect((await source.describe({ table: '', key: 'text' })).map((c) => [c.name, c.type])).toEqual(
      ['text', 'date', 'integer', 'boolean', 'float', 'datetime', 'empty_column'].map((name) => [name, 'cell']),
    );
    const { rows } = await read(source, 'text');
    expect(rows[0]!.origin).toBe('test_skip_lines.xlsx!Sheet1:5');
  });
});

describe('cell values in an Excel-like workbook', () => {
  const SHARED = ['id', 'name', 'note', 'amount', 'closed_on', 'updated_at', 'won', 'status'];
  const sheet = sheetXml([
    `<row r="1">${SHARED.map((_, i) => `<c r="${col(i)}1" t="s"><v>${i}</v></c>`).join('')}</row>`,
    '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>8</v></c>' +
      '<c r="C2" t="inlineStr"><is><t xml:space="preserve">line one_x000D_\nline two</t></is></c>' +
      '<c r="D2"><v>1234.5</v></c><c r="E2" s="1"><v>45293</v></c><c r="F2" s="2"><v>45418.57299768519</v></c>' +
      '<c r="G2" t="b"><v>1</v></c><c r="H2" t="e"><v>#N/A</v></c></row>',
    '<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>' +
      '<c r="E3" s="1"><f>DATE(2024,1,2)</f><v>45293</v></c><c r="F3" s="2"><v>45418.4374999999</v></c><c r="G3" t="b"><v>0</v></c></row>',
    '<row r="5"><c r="A5"><v>3</v></c><c r="B5" t="s"><v>9</v></c></row>',
    '<row r="6"><c r="A6" s="1"/><c r="B6" s="2"/></row>',
    '<row r="7"><c r="B7" t="s"><v>9</v></c></row>',
  ]);
  const strings = [...SHARED.map((s) => `<si><t>${s}</t></si>`), '<si><r><rPr><b/></rPr><t xml:space="preserve">Hello </t></r><r><t>World</t></r></si>', '<si><t>  spaced  </t></si>'];
  let source: XlsxSource;

  beforeAll(async () => {
    const file = path.join(folder, 'pipeline.xlsx');
    await writeExcelLikeWorkbook(file, 'Pipeline', strings, sheet);
    source = new XlsxSource(file);
  });

  it('normalises rich text, escapes, dates, booleans, errors and formula results, and fills missing cells with null', async () => {
    const { rows, rejects } = await read(source, 'id');
    expect(rows).toEqual([
      {
        key: '1',
        origin: 'pipeline.xlsx!Pipeline:2',
        data: { id: 1, name: 'Hello World', note: 'line one\r\nline two', amount: 1234.5, closed_on: '2024-01-02', updated_at: '2024-05-06 13:45:07', won: true, status: '#N/A' },
      },
      {
        key: '2',
        origin: 'pipeline.xlsx!Pipeline:3',
        // 10:29:59.99999 in the file: Excel's day fractions are rounded to the second.
        data: { id: 2, name: 'xy', note: null, amount: null, closed_on: '2024-01-02', updated_at: '2024-05-06 10:30:00', won: false, status: null },
      },
      { key: '3', origin: 'pipeline.xlsx!Pipeline:5', data: { id: 3, name: '  spaced  ', note: null, amount: null, closed_on: null, updated_at: null, won: null, status: null } },
    ]);
    // Row 6 has styled empty cells only (skipped); row 7 has no id.
    expect(rejects).toEqual([{ key: null, origin: 'pipeline.xlsx!Pipeline:7', reason: 'the key column `id` is empty', payload: expect.objectContaining({ id: null, name: '  spaced  ' }) }]);
    expect(await source.count({ table: '', key: 'id' })).toBe(4);
  });

  it('refuses `where`', async () => {
    await expect(readAll(source, { entity: { table: '', key: 'id', where: 'won = 1' }, batchSize: 10 })).rejects.toThrow(/do not support `where`/);
  });
});

describe('multi-byte text across zip chunk boundaries (exceljs decodes each chunk alone)', () => {
  // 3,000 cells of 2- to 4-byte characters: many of them straddle a 16 kB inflate chunk.
  const texts = Array.from({ length: 3000 }, (_, i) => `${'张伟€ü🎉'.repeat(1 + (i % 7))}#${i}`);

  it('reads shared strings and a sheet streamed after them without replacement characters', async () => {
    const strings = texts.map((t) => `<si><t>${t}</t></si>`);
    const rows = [`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c><c r="C1" t="inlineStr"><is><t>inline</t></is></c></row>`];
    texts.forEach((text, i) => rows.push(`<row r="${i + 2}"><c r="A${i + 2}"><v>${i}</v></c><c r="B${i + 2}" t="s"><v>${i}</v></c><c r="C${i + 2}" t="inlineStr"><is><t>${text}</t></is></c></row>`));
    const file = path.join(folder, 'multibyte.xlsx');
    await writeExcelLikeWorkbook(file, 'Names', strings, sheetXml(rows));
    const { rows: read } = await readAll(new XlsxSource(file), { entity: { table: '', key: 'id' }, batchSize: 500 });
    expect(read.map((r) => r.data.name)).toEqual(texts);
    expect(read.map((r) => r.data.inline)).toEqual(texts);
  });

  it('reads a workbook exceljs wrote, whose sheet precedes the shared strings (temporary copy)', async () => {
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path.join(folder, 'multibyte-exceljs.xlsx'), useSharedStrings: true });
    const sheet = book.addWorksheet('data');
    sheet.addRow(['id', 'name']).commit();
    texts.forEach((text, i) => sheet.addRow([i, text]).commit());
    await book.commit();
    const { rows } = await readAll(new XlsxSource(path.join(folder, 'multibyte-exceljs.xlsx')), { entity: { table: '', key: 'id' }, batchSize: 500 });
    expect(rows.map((r) => r.data.name)).toEqual(texts);
  });
});

describe('headers', () => {
  async function workbook(name: string, rows: unknown[][]): Promise<XlsxSource> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('data');
    for (const row of rows) sheet.addRow(row);
    const file = path.join(folder, name);
    await book.xlsx.writeFile(file);
    return new XlsxSource(file, { headerRow: rows[0]?.[0] === 'Report' ? 3 : 1 });
  }
  const entity: SourceEntity = { table: '', key: 'id' };

  it('refuses duplicate and empty column names', async () => {
    await expect((await workbook('dup.xlsx', [['id', 'name', 'name']])).describe(entity)).rejects.toThrow(/dup\.xlsx!data:1: the header has duplicate column names `name` \(positions 2, 3\)/);
    await expect(read(await workbook('gap.xlsx', [['id', null, 'name'], [1, 2, 3]]), 'id')).rejects.toThrow(/empty column names at position 2/);
  });

  it('refuses a key column that is not in the header', async () => {
    await expect(read(await workbook('nokey.xlsx', [['ID', 'name'], [1, 'a']]), 'id')).rejects.toBeInstanceOf(FatalError);
  });

  it('starts at header_row, past a preamble', async () => {
    const source = await workbook('preamble.xlsx', [['Report'], ['generated 2024-05-06'], ['id', 'name'], [7, 'seven']]);
    expect((await read(source, 'id')).rows).toEqual([{ key: '7', origin: 'preamble.xlsx!data:4', data: { id: 7, name: 'seven' } }]);
  });
});

describe('handles', () => {
  const entity: SourceEntity = { table: '', key: 'id' };

  it('holds the workbook open while a streamed sheet is read, and closes it on break', async () => {
    const file = path.join(folder, 'big-streamed.xlsx');
    const rows = Array.from({ length: 30_000 }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}"><v>${i + 1}</v></c><c r="B${i + 2}" t="inlineStr"><is><t>row ${i + 1}</t></is></c></row>`);
    await writeExcelLikeWorkbook(file, 'data', ['<si><t>id</t></si>', '<si><t>name</t></si>'], sheetXml(['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>', ...rows]), { store: true });
    const source = new XlsxSource(file);
    const before = await descriptorsOf(file);
    let during = -1;
    let seen = 0;
    for await (const batch of source.read({ entity, batchSize: 100 })) {
      expect(batch.rows[0]!.key).toBe(String(seen * 100 + 1));
      if (++seen === 2) {
        during = await descriptorsOf(file);
        break;
      }
    }
    expect(during).toBe(before + 1);
    expect(await descriptorsOf(file)).toBe(before);
    expect(await source.count(entity)).toBe(30_000);
  });

  it('leaves no temporary sheet copies behind, also on break (exceljs#2147)', async () => {
    // Written by exceljs itself: no shared strings part, so exceljs buffers the sheet to a temporary file.
    const file = path.join(folder, 'big-buffered.xlsx');
    const writer = await createFileWriter(file, { format: 'xlsx', columns: ['id', 'name'] });
    await writer.write(Array.from({ length: 5_000 }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` })));
    await writer.close();
    // exceljs names them with the `tmp` package: <tmpdir>/tmp-<pid>-<random>.
    const prefix = `tmp-${process.pid}-`;
    const temporary = async () => ({
      open: await descriptors((target) => target.startsWith(path.join(tmpdir(), prefix))),
      files: (await readdir(tmpdir())).filter((name) => name.startsWith(prefix)).length,
    });
    const before = await temporary();
    for (let attempt = 0; attempt < 3; attempt++) {
      let seen = 0;
      for await (const _batch of new XlsxSource(file).read({ entity, batchSize: 100 })) {
        if (++seen === 2) break;
      }
      expect(seen).toBe(2);
    }
    expect(await temporary()).toEqual(before);
  });

  it('names a missing, truncated or non-xlsx file', async () => {
    await expect(read(new XlsxSource(path.join(folder, 'missing.xlsx')), 'id')).rejects.toThrow(/Cannot read .*missing\.xlsx: file not found/);
    const notZip = path.join(folder, 'not-really.xlsx');
    await writeFile(notZip, 'id,name\n1,a\n');
    await expect(read(new XlsxSource(notZip), 'id')).rejects.toThrow(/not-really\.xlsx could not be read as an \.xlsx workbook/);
    const truncated = path.join(folder, 'truncated.xlsx');
    const bytes = await readFile(path.join(CSVKIT, 'test.xlsx'));
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(read(new XlsxSource(truncated), 'text')).rejects.toBeInstanceOf(FatalError);
  });
});

describe('value helpers', () => {
  it('formats dates from their UTC fields, dropping a midnight time', () => {
    expect(wallClockText(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(wallClockText(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 600)))).toBe('2024-03-01');
    expect(wallClockText(new Date(Date.UTC(2024, 1, 29, 8, 5, 9)))).toBe('2024-02-29 08:05:09');
  });

  it('decodes OOXML _xHHHH_ escapes', () => {
    expect(decodeOoxmlEscapes('a_x000D_\nb_x0009_c')).toBe('a\r\nb\tc');
    expect(decodeOoxmlEscapes('snake_x_case')).toBe('snake_x_case');
  });
});

/** Open file descriptors of this process whose target passes `match`. */
async function descriptors(match: (target: string) => boolean): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if (match(await readlink(`/proc/self/fd/${fd}`).catch(() => ''))) count++;
  }
  return count;
}

const descriptorsOf = (file: string) => descriptors((target) => target === file);

function col(index: number): string {
  return String.fromCharCode(65 + index);
}

function sheetXml(rows: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`;
}

/**
 * An .xlsx with its parts in the order Excel writes them (workbook, shared strings and styles
 * before the sheet), so that exceljs streams the sheet from the zip instead of buffering it. Style
 * 1 is the built-in date format 14, style 2 a custom `yyyy-mm-dd hh:mm:ss`.
 */
async function writeExcelLikeWorkbook(file: string, sheetName: string, sharedStrings: readonly string[], sheet: string, options: { store?: boolean } = {}): Promise<void> {
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const parts: [string, string][] = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
    ['xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${main}" xmlns:r="${rel}"><workbookPr/><sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${main}" count="${sharedStrings.length}" uniqueCount="${sharedStrings.length}">${sharedStrings.join('')}</sst>`],
    [
      'xl/styles.xml',
      `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${main}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>` +
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>' +
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
    ],
    ['xl/worksheets/sheet1.xml', sheet],
  ];
  await writeFile(file, zip(parts, options.store === true));
}

/** A minimal zip writer (PKWARE APPNOTE 4.3): local headers, data, central directory. */
function zip(entries: readonly [string, string][], store: boolean): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const body = store ? data : deflateRawSync(data);
    const fields = (signature: number, extra: number) => {
      const header = Buffer.alloc(extra);
      header.writeUInt32LE(signature, 0);
      return header;
    };
    const local = fields(0x04034b50, 30);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(store ? 0 : 8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const entry = fields(0x02014b50, 46);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    local.copy(entry, 8, 6, 30); // flags … name length, then extra and comment lengths stay 0
    entry.writeUInt16LE(0, 30);
    entry.writeUInt32LE(offset, 42);
    chunks.push(local, nameBytes, body);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, directory, end]);
}
