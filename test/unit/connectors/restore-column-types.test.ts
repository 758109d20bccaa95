/** The SQL type `cutover backup restore` creates for each recorded column kind, in both databases. */
import { describe, expect, it } from 'vitest';
import { VALUE_KINDS, type ValueKind } from '../../../connectors/file/backup-values.js';
import { mysqlColumnType } from '../../../connectors/mysql/mysql-table-loader.js';
import { postgresColumnType } from '../../../connectors/postgres/postgres-table-loader.js';
import { integerRange, textLength } from '../../../connectors/table-loader.js';

const column = (kind: ValueKind, sourceType = 'text') => ({ name: 'c', kind, sourceType, nullable: true });

describe('restore column types', () => {
  it('gives every kind a type in both databases', () => {
    const types = Object.fromEntries(VALUE_KINDS.map((kind) => [kind, [postgresColumnType(column(kind)), mysqlColumnType(column(kind), false)]]));
    expect(types).toEqual({
      text: ['text', 'LONGTEXT'],
      number: ['double precision', 'DOUBLE'],
      boolean: ['boolean', 'BOOLEAN'],
      bytes: ['bytea', 'LONGBLOB'],
      json: ['json', 'JSON'],
      mixed: ['json', 'JSON'],
    });
  });

  it('keeps integers whose values the drivers give as numbers, and nothing wider', () => {
    const cases = ['int(11)', 'int', 'INTEGER', 'tinyint(1)', 'smallint unsigned', 'mediumint(8) unsigned', 'int(10) unsigned', 'int unsigned', 'bigint(20)', 'bigint', 'double', 'decimal(14,4)', 'integer', 'smallint', 'real', 'interval'];
    expect(Object.fromEntries(cases.map((type) => [type, [integerRange(type), postgresColumnType(column('number', type)), mysqlColumnType(column('number', type), false)]]))).toEqual({
      'int(11)': ['int32', 'integer', 'INT'],
      int: ['int32', 'integer', 'INT'],
      INTEGER: ['int32', 'integer', 'INT'],
      'tinyint(1)': ['int32', 'integer', 'INT'],
      'smallint unsigned': ['int32', 'integer', 'INT'],
      'mediumint(8) unsigned': ['int32', 'integer', 'INT'],
      'int(10) unsigned': ['uint32', 'double precision', 'INT UNSIGNED'],
      'int unsigned': ['uint32', 'double precision', 'INT UNSIGNED'],
      'bigint(20)': [null, 'double precision', 'DOUBLE'],
      bigint: [null, 'double precision', 'DOUBLE'],
      double: [null, 'double precision', 'DOUBLE'],
      'decimal(14,4)': [null, 'double precision', 'DOUBLE'],
      integer: ['int32', 'integer', 'INT'],
      smallint: ['int32', 'integer', 'INT'],
      real: [null, 'double precision', 'DOUBLE'],
      interval: [null, 'double precision', 'DOUBLE'],
    });
  });

  it('bounds a MySQL text or bytes key by its source length, within what an index holds', () => {
    expect([textLength('varchar(40)'), textLength('char(8)'), textLength('character varying(12)'), textLength('text'), textLength('varchar')]).toEqual([40, 8, 12, null, null]);
    expect(mysqlColumnType(column('text', 'varchar(40)'), true)).toBe('VARCHAR(40)');
    expect(mysqlColumnType(column('text', 'text'), true)).toBe('VARCHAR(255)');
    expect(mysqlColumnType(column('text', 'varchar(2000)'), true)).toBe('VARCHAR(768)');
    expect(mysqlColumnType(column('bytes', 'binary(16)'), true)).toBe('VARBINARY(16)');
    expect(mysqlColumnType(column('bytes', 'blob'), true)).toBe('VARBINARY(255)');
    expect(postgresColumnType(column('text', 'varchar(40)'))).toBe('text');
  });
});
