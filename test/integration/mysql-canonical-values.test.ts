/**
 * The canonical forms MariaDB computes (connectors/mysql/mysql-content-probe.ts) equal those
 * JavaScript computes (pipelines/reconcile/canonical-value.ts) for tricky values of every kind and
 * of the MariaDB types behind each kind, written through the sink as a run writes them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import type { MysqlSink } from '../../connectors/mysql/mysql-sink.js';
import type { ColumnKind, ContentProbe } from '../../connectors/sink.js';
import type { Row } from '../../connectors/types.js';
import { canonicalValue, rowDigest, rowText } from '../../pipelines/reconcile/canonical-value.js';
import { createMysqlDatabase, describeWith, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

/** Column name → MariaDB type, the kind it must compare as, and the values to write in it (one row each). */
const COLUMNS: Record<string, { type: string; kind: ColumnKind; values: readonly unknown[] }> = {
  dec: { type: 'DECIMAL(24,6)', kind: 'number', values: ['1234.500000', '-0.000', '0', '100', '123456789012.123456', '-0.5', 7, 0.1, -12.25, '+3.10', '007.50', null] },
  int_col: { type: 'INT', kind: 'number', values: [42, '-17', 0, -0, '2147483647', null] },
  big: { type: 'BIGINT', kind: 'number', values: ['9223372036854775807', -9223372036854775808n, 1, null] },
  unsigned_big: { type: 'BIGINT UNSIGNED', kind: 'number', values: ['18446744073709551615', 0] },
  dbl: { type: 'DOUBLE', kind: 'number', values: [0.1, 1 / 3, -0, 1e20, 123.456, 2.5e-7, -1e-10, 0.000123456789012345, Math.PI, 98765.4375, 1e15 + 0.3, null] },
  flt: { type: 'FLOAT', kind: 'number', values: [0.1, 123.456, -2.5, 1e-3, 65504, 0, null] },
  yr: { type: 'YEAR', kind: 'number', values: [2024, '1999', null] },
  dt3: { type: 'DATETIME(3)', kind: 'instant', values: ['2024-02-29T12:34:56.789Z', '1969-07-20T20:17:40.000Z', '1900-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2024-03-31T01:30:00.000+08:00', '2038-01-19T03:14:08.001Z', '1970-01-01T00:00:00.000Z', '2019-03-05 06:22:10.5+0530', new Date(Date.UTC(2001, 8, 9, 1, 46, 40, 123)), null] },
  dt6: { type: 'DATETIME(6)', kind: 'instant', values: ['2024-02-29T12:34:56.789Z', '1969-12-31T23:59:59.999Z', null] },
  ts3: { type: 'TIMESTAMP(3) NULL', kind: 'instant', values: ['1970-01-01T00:00:01.000Z', '2038-01-19T03:14:07.999Z', '2024-06-30T23:59:59.123-07:00', null] },
  day: { type: 'DATE', kind: 'date', values: ['2024-02-29', '1000-01-01', '9999-12-31', '2020-05-05T23:00:00.000Z', new Date(Date.UTC(2020, 4, 5)), null] },
  flag: { type: 'BOOLEAN', kind: 'boolean', values: [true, false, 't', 'false', null] },
  doc: {
    type: 'JSON',
    kind: 'json',
    values: [
      { b: 1, a: 2, ccc: { zz: [1, 2.5, -0], y: null }, é: 'accent key', ab: 'two bytes too' },
      [1.5, '2.50', true, false, null, { '': 'empty key' }],
      { s: 'plain "text" with \\ and \n newline 🎉 \u2028 \u0001' },
      1.2e21,
      0.1,
      -0,
      true,
      '{"b":1,"a":[1.50,2]}',
      '"a JSON string"',
      '[]',
      {},
      null,
    ],
  },
  longtext_json: { type: 'LONGTEXT CHECK (JSON_VALID(longtext_json))', kind: 'json', values: [{ z: 1, a: { k: 'v' } }, null] },
  id_uuid: { type: 'UUID', kind: 'uuid', values: ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '00000000-0000-0000-0000-000000000000', null] },
  padded: { type: 'CHAR(5)', kind: 'padded', values: ['ab', 'ab   ', '', '  x', '🎉', null] },
  txt: {
    type: 'VARCHAR(200)',
    kind: 'text',
    values: ['', ' ', '  two blanks', 'trailing  ', 'emoji 🎉👍🏽', 'tab\there', 'line\nbreak\r\n', "quote ' and \\ backslash", '北京市朝阳区', 1.5, true, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), { o: 1 }, null],
  },
  long_text: { type: 'LONGTEXT', kind: 'text', values: ['x'.repeat(70_000), 'Ünïcödé', null] },
  latin: { type: 'VARCHAR(50) CHARACTER SET latin1', kind: 'text', values: ['café', 'naïve £', null] },
  choice: { type: "ENUM('low','high')", kind: 'text', values: ['low', 'high', null] },
  at_time: { type: 'TIME', kind: 'text', values: ['12:34:56', null] },
};

const ROWS: Row[] = Object.entries(COLUMNS).flatMap(([column, { values }]) =>
  values.map((value, index) => ({ legacy_id: `${column}#${index}`, [column]: value })),
);

describeWith(['mysql'])('MariaDB canonical forms agree with JavaScript', () => {
  let database: TestDatabase;
  let sink: MysqlSink;
  let probe: ContentProbe;
  const target = { table: 'canon', key: 'legacy_id', id: 'id' };

  beforeAll(async () => {
    database = await createMysqlDatabase('cutover_canon');
    const columns = Object.entries(COLUMNS).map(([name, { type }]) => `\`${name}\` ${type}`);
    await withMysqlAdmin((c) => c.query(`CREATE TABLE canon (id BIGINT AUTO_INCREMENT PRIMARY KEY, legacy_id VARCHAR(64) COLLATE utf8mb4_bin NOT NULL UNIQUE, ${columns.join(', ')}) ENGINE=InnoDB CHARSET=utf8mb4`), database.url);
    sink = (await mysqlConnector.createSink!(mysqlConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: '.' }))) as MysqlSink;
    // Rows have different columns: one upsert per column, as a run sends one mapping's rows.
    await sink.write(async (writer) => {
      for (const column of Object.keys(COLUMNS)) {
        const outcomes = await writer.upsert(target, ROWS.filter((row) => column in row));
        expect(outcomes.filter((o) => !o.ok), column).toEqual([]);
      }
    });
    probe = await sink.contentProbe(target, Object.keys(COLUMNS));
  });

  afterAll(async () => {
    await sink?.close();
    await database?.drop();
  });

  it('reads each column as its kind', () => {
    expect(Object.fromEntries(probe.columns.map((c) => [c.name, c.kind]))).toEqual(Object.fromEntries(Object.entries(COLUMNS).map(([name, { kind }]) => [name, kind])));
  });

  it.each(Object.keys(COLUMNS))('%s: every value, canonical in SQL as in JavaScript', async (column) => {
    const { kind, values } = COLUMNS[column]!;
    const keys = values.map((_, index) => `${column}#${index}`);
    const found = await probe.rows(keys);
    const got = keys.map((key) => found.get(key)?.canonical[column]);
    const want = values.map((value) => canonicalValue(value, kind));
    expect(got).toEqual(want);
    // A value JavaScript cannot read as its kind would start with `?`: none here, so each comparison means something.
    expect(want.filter((value) => value?.startsWith('?'))).toEqual([]);
  });

  it('computes every row digest and the checksum as JavaScript does', async () => {
    const keys = ROWS.map((row) => String(row.legacy_id));
    const expected = new Map(ROWS.map((row) => [String(row.legacy_id), rowDigest(rowText(probe.columns.map((c) => canonicalValue(row[c.name], c.kind))))]));
    const digests = await probe.digests(keys);
    expect(Object.fromEntries([...digests].map(([k, d]) => [k, d.toString()]))).toEqual(Object.fromEntries([...expected].map(([k, d]) => [k, d.toString()])));
    const sum = [...expected.values()].reduce((a, b) => a + b, 0n);
    expect(await probe.checksum(keys)).toEqual({ count: keys.length, sum });
    // Digests are below 2^60 and their sum beyond 2^64 must not overflow: checked by a sum of many large digests.
    expect(sum > 2n ** 64n || keys.length < 16).toBe(true);
  });

  it('differs from JavaScript on a DOUBLE whose toFixed prints a digit beyond its precision (a documented limit)', async () => {
    const key = { legacy_id: 'dbl-noise', dbl: 98765.4321 };
    await sink.write((writer) => writer.upsert(target, [key]));
    const found = await probe.rows(['dbl-noise']);
    expect(canonicalValue(98765.4321, 'number')).toBe('98765.43210000001');
    expect(found.get('dbl-noise')!.canonical.dbl).toBe('98765.4321');
  });

  it('tells a changed value from the written one', async () => {
    await withMysqlAdmin((c) => c.query("UPDATE canon SET txt = 'emoji 🎉👍🏼' WHERE legacy_id = 'txt#4'"), database.url);
    const found = await probe.rows(['txt#4']);
    expect(found.get('txt#4')!.canonical.txt).not.toBe(canonicalValue(COLUMNS.txt!.values[4], 'text'));
    expect(found.get('txt#4')!.text.txt).toBe('emoji 🎉👍🏼');
  });
});
