/** The backup manifest's checks and the text forms of values in backup files. */
import { describe, expect, it } from 'vitest';
import { parseBackupManifest } from '../../../connectors/file/backup-manifest.js';
import { backupCsvLine, ColumnKinds, decodeBackupValue, escapeOoxml, quotedFields, textForm } from '../../../connectors/file/backup-values.js';
import { decodeOoxmlEscapes } from '../../../connectors/file/xlsx-cell-value.js';
import { FatalError } from '../../../connectors/errors.js';

const VALID = {
  manifestVersion: 1,
  cutoverVersion: '0.1.0',
  createdAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:01.000Z',
  sources: [{ name: 'legacy', url: 'mysql://root:***@db:3306/legacy_crm' }],
  format: 'csv',
  encryption: null,
  files: [
    {
      table: 'customers', connection: 'legacy', file: 'customers.csv', key: 'id', orderBy: ['id'],
      columns: [{ name: 'id', type: 'int unsigned', nullable: false, kind: 'number' }],
      rows: 2, bytes: 10, sha256: 'ab', sourceRows: 2,
    },
  ],
};

const parse = (value: unknown) => parseBackupManifest(JSON.stringify(value), '/b/manifest.json');

describe('backup manifest', () => {
  it('accepts a manifest as cutover writes it', () => {
    expect(parse(VALID).files[0]!.table).toBe('customers');
  });

  it('names the file and the JSON pointer of what is wrong', () => {
    expect(() => parseBackupManifest('{', '/b/manifest.json')).toThrow(/\/b\/manifest.json is not valid JSON/);
    expect(() => parse({ ...VALID, manifestVersion: 2 })).toThrow('/b/manifest.json /manifestVersion: expected 1');
    expect(() => parse({ ...VALID, format: 'xls' })).toThrow('/format: expected one of csv, xlsx, jsonl');
    expect(() => parse({ ...VALID, files: [{ ...VALID.files[0], rows: -1 }] })).toThrow('/files/0/rows: expected an integer ≥ 0');
    expect(() => parse({ ...VALID, files: [{ ...VALID.files[0], file: '../etc/passwd' }] })).toThrow('/files/0/file: expected a file name inside the backup folder');
    expect(() => parse({ ...VALID, files: [{ ...VALID.files[0], columns: [{ name: 'id', kind: 'date' }] }] })).toThrow('/files/0/columns/0/kind: expected one of text, number');
    expect(() => parse({ ...VALID, encryption: { algorithm: 'x' } })).toThrow('/encryption/keyId: expected a string');
    expect(() => parse([])).toThrow(FatalError);
  });
});

describe('backup value text forms', () => {
  it('writes NULL as an empty unquoted CSV field and the empty string as ""', () => {
    const line = backupCsvLine([null, '', ' a ', 'x"y', 'a\r\nb', 42, Buffer.from([0, 255]), { a: 1 }]);
    expect(line).toBe(',""," a ","x""y","a\r\nb",42,AP8=,"{""a"":1}"\r\n');
    expect(quotedFields(line.slice(0, -2), ',')).toEqual([false, true, true, true, true, false, false, true]);
  });

  it('decodes each kind back to the driver value, and refuses text that cannot be of its kind', () => {
    expect(decodeBackupValue('42', 'number', 'f:2')).toBe(42);
    expect(decodeBackupValue('-1.5e-300', 'number', 'f:2')).toBe(-1.5e-300);
    expect(decodeBackupValue(textForm(0.1 + 0.2), 'number', 'f:2')).toBe(0.1 + 0.2);
    expect(decodeBackupValue('AP8=', 'bytes', 'f:2')).toEqual(Buffer.from([0, 255]));
    expect(decodeBackupValue('false', 'boolean', 'f:2')).toBe(false);
    expect(decodeBackupValue('{"a":[1]}', 'json', 'f:2')).toEqual({ a: [1] });
    expect(decodeBackupValue('2019-03-05 14:22:10', 'text', 'f:2')).toBe('2019-03-05 14:22:10');
    expect(decodeBackupValue(null, 'text', 'f:2')).toBeNull();
    expect(() => decodeBackupValue('4x', 'number', 'customers.csv:7')).toThrow(/customers.csv:7: `4x` is not a number value/);
    expect(() => decodeBackupValue('yes', 'boolean', 'f:2')).toThrow(FatalError);
  });

  it('folds column kinds: one kind, mixed, or text for NULL-only columns', () => {
    const kinds = new ColumnKinds(['a', 'b', 'c', 'd']);
    kinds.observe({ a: 1, b: 'x', c: null, d: Buffer.from('x') });
    kinds.observe({ a: 2, b: 3, c: null, d: null });
    expect(kinds.kinds).toEqual(['number', 'mixed', 'text', 'bytes']);
  });

  it('escapes for XLSX what XML cannot carry, and the reader unescapes it exactly', () => {
    for (const text of ['a\r\nb', '\u0001\u001f', '_x0041_ stays literal', '__x000D_', '中文 𠀀']) {
      expect(decodeOoxmlEscapes(escapeOoxml(text))).toBe(text);
    }
    expect(escapeOoxml('a\rb')).toBe('a_x000D_b');
  });
});
