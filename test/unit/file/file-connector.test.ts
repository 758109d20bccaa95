/**
 * The `file://` connector: option validation (messages), and how a folder connection finds the
 * file of an entity (by name, by extension, none, several), or a single-file URL its file.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { ConnectionConfigError, FatalError } from '../../../connectors/errors.js';
import { fileConnector } from '../../../connectors/file/file-connector.js';
import type { FileConfig } from '../../../connectors/file/file-config.js';
import { builtinConnectors, createSource } from '../../../connectors/registry.js';
import type { Source, SourceEntity } from '../../../connectors/types.js';
import { readAll } from '../../contract/source-contract.js';

let project: string;
beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'cutover-files-'));
  const exportDir = path.join(project, 'legacy-export');
  await mkdir(path.join(exportDir, 'archive'), { recursive: true });
  await writeFile(path.join(exportDir, 'customers.csv'), 'id,name\n1,Ann\n');
  await writeFile(path.join(exportDir, 'tickets.jsonl'), '{"id": 7, "subject": "help"}\n');
  await writeFile(path.join(exportDir, 'contacts.csv'), 'id;name\n1;from csv\n');
  await writeFile(path.join(exportDir, 'contacts.json'), '[{"id": 1, "name": "from json"}]');
  await writeFile(path.join(exportDir, 'LEADS.CSV'), 'id\n3\n');
  await writeFile(path.join(exportDir, 'notes.md'), '# not data');
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

const parse = (url: string, baseDir = project): FileConfig => fileConnector.parseConfig(parseConnectionUrl(url), { baseDir });
const open = (url: string): Source => fileConnector.createSource!(parse(url));
const entity = (table: string): SourceEntity => ({ table, key: 'id' });
const keys = async (source: Source, table: string) => (await readAll(source, { entity: entity(table), batchSize: 10 })).rows.map((r) => `${r.origin} ${r.key}`);

describe('parseConfig', () => {
  it('resolves a relative folder against the project folder, with defaults', () => {
    expect(parse('file://./legacy-export')).toMatchObject({
      path: path.join(project, 'legacy-export'),
      format: null,
      encoding: 'utf-8',
      delimiter: null,
      sheet: null,
      headerRow: 1,
    });
  });

  it('takes an absolute single-file URL and its format from the extension', () => {
    expect(parse('file:///srv/export/opportunities.XLSX?sheet=Pipeline&header_row=3')).toMatchObject({
      path: '/srv/export/opportunities.XLSX',
      format: 'xlsx',
      sheet: 'Pipeline',
      headerRow: 3,
    });
  });

  it('accepts encodings by their WHATWG labels, and tab as a delimiter', () => {
    expect(parse('file://./x?encoding=latin1').encoding).toBe('windows-1252');
    expect(parse('file://./x?encoding=GB18030').encoding).toBe('gb18030');
    expect(parse('file://./x?delimiter=tab').delimiter).toBe('\t');
    expect(parse('file://./x?delimiter=%09').delimiter).toBe('\t');
    expect(parse('file://./x?delimiter=;').delimiter).toBe(';');
  });

  it('takes the CSV quoting options, with their defaults', () => {
    expect(parse('file://./x')).toMatchObject({ empty: 'null', maxQuotedLines: 1000, maxQuotedChars: 8 * 1024 * 1024 });
    expect(parse('file://./x?empty=empty_string&max_quoted_lines=5000&max_quoted_chars=100')).toMatchObject({ empty: 'empty_string', maxQuotedLines: 5000, maxQuotedChars: 100 });
    expect(fileConnector.keepsEmptyStrings!(parse('file://./x?empty=empty_string'))).toBe(true);
    expect(fileConnector.keepsEmptyStrings!(parse('file://./x?empty=null'))).toBe(false);
  });

  it('passes the CSV quoting options to the reader', async () => {
    await mkdir(path.join(project, 'quoting'), { recursive: true });
    const source = open('file://./quoting/quoted.csv?empty=empty_string&max_quoted_lines=1');
    await writeFile(path.join(project, 'quoting', 'quoted.csv'), 'id,name,note\n1,"",\n2,"a\nb\nc",x\n3,y,z\n');
    const { rows, rejects } = await readAll(source, { entity: entity('quoted'), batchSize: 10 });
    expect(rows.map((r) => r.data)).toEqual([
      { id: '1', name: '', note: null },
      { id: '3', name: 'y', note: 'z' },
    ]);
    expect(rejects.map((r) => r.origin)).toEqual(['quoted.csv:3', 'quoted.csv:4', 'quoted.csv:5']);
    expect(rejects[0]!.reason).toMatch(/holds more than 1 line breaks.*raise `max_quoted_lines`/);
  });

  it.each([
    ['file://./x?empty=blank', 'Expected `empty` to be one of null, empty_string, got `blank`'],
    ['file://./x?max_quoted_lines=0', 'Expected `max_quoted_lines` to be an integer from 1 to 1000000000 (default 1000), got `0`'],
    ['file://./x?max_quoted_chars=1e3', 'Expected `max_quoted_chars` to be an integer from 1 to 268435456 (default 8388608), got `1e3`'],
    ['file://./book.xlsx?empty=empty_string', 'Option `empty` does not apply to book.xlsx (a XLSX file)'],
    ['file://./x?delimiter=;;', 'Expected `delimiter` to be one character (or `tab`), got `;;`'],
    ['file://./x?delimiter=%22', 'Expected `delimiter` to be a character other than a quote or a line break'],
    ['file://./x?header_row=0', 'Expected `header_row` to be an integer from 1 to 1000000, got `0`'],
    ['file://./x?header_row=two', 'Expected `header_row` to be an integer from 1 to 1000000, got `two`'],
    ['file://./x?encoding=klingon', 'Expected `encoding` to be an encoding label such as utf-8, windows-1252, latin1, gb18030 or utf-16le, got `klingon`'],
    ['file://./x?sheet=', 'Expected `sheet` to be a sheet name, got an empty value'],
    ['file://./x?separator=;', 'Unknown option `separator` in file://./x?separator=%3B; valid options are encoding, delimiter, sheet, header_row, empty, max_quoted_lines, max_quoted_chars, key_env'],
    ['file://./customers.csv?sheet=data', 'Option `sheet` does not apply to customers.csv (a CSV file)'],
    ['file://./book.xlsx?delimiter=;', 'Option `delimiter` does not apply to book.xlsx (a XLSX file)'],
    ['file://./book.xlsx?encoding=latin1', 'Option `encoding` does not apply to book.xlsx'],
    ['file://./tickets.jsonl?header_row=2', 'Option `header_row` does not apply to tickets.jsonl'],
    ['file://./old.xls', 'legacy Excel 97-2003 workbooks (.xls) are not supported; open the file in Excel or LibreOffice and save it as .xlsx'],
    ['file://', 'Expected a folder or file path in file://'],
  ])('refuses %s', (url, message) => {
    expect(() => parse(url)).toThrow(ConnectionConfigError);
    expect(() => parse(url)).toThrow(message);
  });

  it('is registered for file:// in the built-in registry', () => {
    const connection = builtinConnectors().resolve('legacy', 'file://./legacy-export', { baseDir: project });
    expect(connection.connector).toBe(fileConnector);
    expect(createSource(connection).capabilities).toEqual({ resumable: false, pushdownWhere: false, uniqueKeys: false, keyLookup: false });
  });
});

describe('a folder connection', () => {
  const source = () => open('file://./legacy-export');

  it('finds a file by its bare table name, whatever its format', async () => {
    expect(await keys(source(), 'customers')).toEqual(['customers.csv:2 1']);
    expect(await keys(source(), 'tickets')).toEqual(['tickets.jsonl:1 7']);
  });

  it('matches the extension in any case', async () => {
    expect(await keys(source(), 'LEADS')).toEqual(['LEADS.CSV:2 3']);
  });

  it('reads the named file when the table has an extension', async () => {
    expect((await readAll(source(), { entity: entity('contacts.json'), batchSize: 10 })).rows.map((r) => r.data.name)).toEqual(['from json']);
    expect((await readAll(source(), { entity: entity('contacts.csv'), batchSize: 10 })).rows.map((r) => r.data.name)).toEqual(['from csv']);
  });

  it('refuses a bare name that matches several files, listing them', async () => {
    const reading = keys(source(), 'contacts');
    await expect(reading).rejects.toBeInstanceOf(FatalError);
    await expect(reading).rejects.toThrow(/Several files in .*legacy-export match table `contacts`: contacts\.csv, contacts\.json; name the one to read with its extension/);
  });

  it('refuses a name that matches no file, listing what the folder holds', async () => {
    await expect(source().count(entity('orders'))).rejects.toThrow(
      /No file for table `orders` in .*legacy-export: expected one of orders\.csv, orders\.tsv, orders\.txt, orders\.xlsx, orders\.jsonl, orders\.ndjson, orders\.json; the folder holds LEADS\.CSV, contacts\.csv, contacts\.json, customers\.csv, notes\.md, tickets\.jsonl/,
    );
    await expect(source().describe(entity('orders.csv'))).rejects.toThrow(/orders\.csv: file not found; the folder holds/);
  });

  it('refuses a table that points outside the folder', async () => {
    await expect(keys(source(), '../secrets')).rejects.toThrow(/Expected the table to be a file name inside/);
    await expect(keys(source(), 'archive')).rejects.toThrow(/No file for table `archive`/);
  });

  it('names the folder when it does not exist', async () => {
    await expect(keys(open('file://./nowhere'), 'customers')).rejects.toThrow(`Cannot read ${path.join(project, 'nowhere')}: file not found`);
  });

  it('refuses `where` before reading', async () => {
    await expect(readAll(source(), { entity: { ...entity('customers'), where: "status = 'active'" }, batchSize: 10 })).rejects.toThrow(
      /file sources do not support `where` .*use `filter:` rules in the mapping/,
    );
  });

  it('stops reading once closed', async () => {
    const closing = source();
    await closing.close();
    await closing.close();
    await expect(keys(closing, 'customers')).rejects.toThrow(/the source is closed/);
  });
});

describe('a single-file connection', () => {
  it('reads its file whatever the table says', async () => {
    const source = open(`file://${path.join(project, 'legacy-export', 'customers.csv')}`);
    expect(await keys(source, 'anything')).toEqual(['customers.csv:2 1']);
    expect((await source.describe(entity('anything'))).map((c) => c.name)).toEqual(['id', 'name']);
  });

  it('applies its options', async () => {
    const source = open('file://./legacy-export/contacts.csv?delimiter=,');
    expect((await readAll(source, { entity: { table: '', key: 'id;name' }, batchSize: 10 })).rows.map((r) => r.key)).toEqual(['1;from csv']);
  });

  it('names the file when it is missing', async () => {
    await expect(keys(open('file://./legacy-export/missing.csv'), 'x')).rejects.toThrow(`Cannot read ${path.join(project, 'legacy-export', 'missing.csv')}: file not found`);
  });

  it('refuses a file whose format it cannot tell', async () => {
    await expect(keys(open('file://./legacy-export/notes.md'), 'x')).rejects.toThrow(/cannot tell the file's format from its name; use one of the extensions \.csv, \.tsv/);
  });
});
