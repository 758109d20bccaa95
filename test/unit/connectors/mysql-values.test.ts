/**
 * What the MySQL/MariaDB sink sends for a mapped value, by column kind, and how it cuts statements.
 * The server side of the same forms is in test/integration/mysql-canonical-values.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnKind } from '../../../connectors/sink.js';
import { mysqlColumnKind, toMysqlValue, type MysqlColumn } from '../../../connectors/mysql/mysql-values.js';
import { chunks, statementLimits } from '../../../connectors/mysql/mysql-statements.js';
import { jsonbText } from '../../../pipelines/reconcile/canonical-value.js';

const column = (kind: ColumnKind, dataType = 'x'): MysqlColumn => ({ name: 'c', dataType, columnType: dataType, collation: null, kind });

describe('mysqlColumnKind', () => {
  it.each([
    ['tinyint', 'tinyint(1)', false, 'boolean'],
    ['tinyint', 'tinyint(4)', false, 'number'],
    ['decimal', 'decimal(18,2)', false, 'number'],
    ['bigint', 'bigint(20) unsigned', false, 'number'],
    ['double', 'double', false, 'number'],
    ['datetime', 'datetime(3)', false, 'instant'],
    ['timestamp', 'timestamp', false, 'instant'],
    ['date', 'date', false, 'date'],
    ['json', 'json', false, 'json'],
    ['longtext', 'longtext', true, 'json'],
    ['longtext', 'longtext', false, 'text'],
    ['char', 'char(2)', false, 'padded'],
    ['varchar', 'varchar(20)', true, 'text'],
    ['uuid', 'uuid', false, 'uuid'],
    ['enum', "enum('a','b')", false, 'text'],
  ] as const)('%s %s (json check %s) → %s', (dataType, columnType, jsonChecked, kind) => {
    expect(mysqlColumnKind(dataType, columnType, jsonChecked)).toBe(kind);
  });
});

describe('toMysqlValue', () => {
  it('writes instants with a zone as the UTC wall clock, and leaves other text for the server to judge', () => {
    const instant = column('instant');
    expect(toMysqlValue('2019-03-05T06:22:10.000Z', instant)).toBe('2019-03-05 06:22:10.000');
    expect(toMysqlValue('2019-03-05T14:22:10.5+08:00', instant)).toBe('2019-03-05 06:22:10.500');
    expect(toMysqlValue('2019-03-05 14:22:10+0800', instant)).toBe('2019-03-05 06:22:10.000');
    expect(toMysqlValue('2019-03-05T14:22+08', instant)).toBe('2019-03-05 06:22:00.000');
    expect(toMysqlValue(new Date(Date.UTC(1969, 6, 20, 20, 17, 40, 1)), instant)).toBe('1969-07-20 20:17:40.001');
    // No zone: a wall clock the target keeps as it is (UTC by the sink's convention).
    expect(toMysqlValue('2019-03-05 06:22:10', instant)).toBe('2019-03-05 06:22:10');
    expect(toMysqlValue('2021-02-30T10:00:00Z', instant)).toBe('2021-02-30T10:00:00Z');
    expect(toMysqlValue('2024-02-29T24:00:00Z', instant)).toBe('2024-02-29T24:00:00Z');
    expect(toMysqlValue('2024-02-29T23:59:59.999Z', instant)).toBe('2024-02-29 23:59:59.999');
    expect(toMysqlValue('yesterday', instant)).toBe('yesterday');
  });

  it('writes the date as written, and a Date as its UTC day', () => {
    const date = column('date');
    expect(toMysqlValue('2024-02-29', date)).toBe('2024-02-29');
    expect(toMysqlValue('2024-02-29T23:30:00.000Z', date)).toBe('2024-02-29');
    expect(toMysqlValue(new Date(Date.UTC(2024, 1, 29, 23, 30)), date)).toBe('2024-02-29');
    expect(toMysqlValue('29/02/2024', date)).toBe('29/02/2024');
  });

  it('writes booleans as 1 and 0 into a boolean column, as text into a text column', () => {
    expect([true, 't', 'true', false, 'f', 'false'].map((v) => toMysqlValue(v, column('boolean')))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(toMysqlValue('yes', column('boolean'))).toBe('yes');
    expect(toMysqlValue(true, column('text'))).toBe('true');
  });

  it('writes JSON in its canonical text, and text that is not JSON as it is (the column refuses it)', () => {
    const json = column('json');
    expect(toMysqlValue({ bb: 1, a: [1.50, 'x'] }, json)).toBe('{"a": [1.5, "x"], "bb": 1}');
    expect(toMysqlValue('{"bb":1,"a":2}', json)).toBe('{"a": 2, "bb": 1}');
    expect(toMysqlValue('"text"', json)).toBe('"text"');
    expect(toMysqlValue('not json', json)).toBe('not json');
    expect(toMysqlValue(null, json)).toBeNull();
  });

  it('sends numbers that are not finite as text, so that a number column refuses them rather than read a name', () => {
    expect(toMysqlValue(Number.NaN, column('number'))).toBe('NaN');
    expect(toMysqlValue(Number.POSITIVE_INFINITY, column('number'))).toBe('Infinity');
    expect(toMysqlValue(12n, column('number'))).toBe(12n);
  });

  it('writes a number into a text column as its text, so that a key lookup uses the index', () => {
    expect(toMysqlValue(42, column('text'))).toBe('42');
    expect(toMysqlValue(1.5, column('padded'))).toBe('1.5');
    expect(toMysqlValue(12n, column('text'))).toBe('12');
    expect(toMysqlValue(42, column('number'))).toBe(42);
  });

  it('writes objects into text as JSON and Dates as ISO 8601, as reconcile reads them', () => {
    expect(toMysqlValue({ a: 1 }, column('text'))).toBe('{"a":1}');
    expect(toMysqlValue(new Date(Date.UTC(2024, 0, 2)), column('text'))).toBe('2024-01-02T00:00:00.000Z');
  });
});

describe('a JSON column', () => {
  const values: unknown[] = [
    true,
    0,
    -0,
    1.5,
    0.1,
    1 / 3,
    1e21,
    1.2e-7,
    -123.456,
    'text with "quotes", \\ and \n 🎉 \u2028 \ud800',
    [],
    {},
    [1, [2, [3, { z: 1, a: 2 }]]],
    { b: 1, a: 2, ccc: 3, dd: 4, é: 5, ab: 6, '': 7, 'ü': { y: null, x: [] } },
    { undefinedIsDropped: undefined, kept: 1 },
    { 'a\u0000b': 1, 'a b': 2 },
  ];
  it.each(values.map((value) => [JSON.stringify(value) ?? String(value), value]))('%s is written as reconcile computes jsonb text', (_label, value) => {
    const json = column('json');
    expect(toMysqlValue(JSON.stringify(value), json)).toBe(jsonbText(value));
    if (typeof value !== 'string') expect(toMysqlValue(value, json)).toBe(jsonbText(value));
  });
});

describe('statement chunks', () => {
  const rows = (sizes: number[]) => sizes.map((bytes, index) => ({ index, bytes }));

  it('bounds rows per statement by the cap and by the placeholders a statement could bind', () => {
    const limits = statementLimits(16 * 1024 * 1024, 4 * 1024 * 1024, 1000);
    expect([...chunks(rows(new Array(2500).fill(10)), 3, limits)].map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect([...chunks(rows(new Array(2500).fill(10)), 60, limits)].map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect([...chunks(rows(new Array(2500).fill(10)), 100, limits)].map((c) => c.length)).toEqual([655, 655, 655, 535]);
  });

  it('bounds bytes per statement below max_allowed_packet, and sends a row bigger than the budget alone', () => {
    const limits = statementLimits(1024 * 1024, 4 * 1024 * 1024, 1000);
    expect(limits.maxBytes).toBe(1024 * 1024 - 64 * 1024);
    const sizes = [400_000, 400_000, 400_000, 2_000_000, 10];
    expect([...chunks(rows(sizes), 2, limits)].map((c) => c.map((r) => r.index))).toEqual([[0, 1], [2], [3], [4]]);
  });
});
