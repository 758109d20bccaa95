import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { suggestColumn } from '../../../pipelines/init/column-suggestion.js';
import { uniqueNames } from '../../../pipelines/init/entity-draft.js';
import { flow } from '../../../pipelines/init/render-files.js';

const text = (name: string) => ({ name, type: 'text', nullable: true });

describe('suggestColumn', () => {
  it('takes the database type where it is exact', () => {
    expect(suggestColumn({ name: 'amount', type: 'decimal(18,2)', nullable: true }, [])).toMatchObject({ transforms: [{ decimal: { scale: 2 } }], sqlType: 'numeric(18, 2)' });
    expect(suggestColumn({ name: 'active', type: 'tinyint(1)', nullable: true }, [])).toMatchObject({ transforms: ['boolean'], sqlType: 'boolean' });
    expect(suggestColumn({ name: 'at', type: 'timestamp with time zone', nullable: true }, [])).toMatchObject({ transforms: ['datetime'], sqlType: 'timestamptz' });
    expect(suggestColumn({ name: 'kind', type: "enum('a','it''s')", nullable: true }, [])).toMatchObject({ transforms: [{ map: { a: 'a', "it's": "it's" }, unknown: 'reject' }] });
    expect(suggestColumn({ name: 'photo', type: 'blob', nullable: true }, []).skip).toMatch(/binary/);
  });

  it('judges text by what the transforms read', () => {
    expect(suggestColumn(text('opened'), ['2019/03/05 14:22', '05/03/2019 09:00', '2019-03-05 10:00:00', null]).transforms).toEqual([{ datetime: { formats: ['yyyy/MM/dd HH:mm', 'dd/MM/yyyy HH:mm'], tz: 'UTC' } }]);
    expect(suggestColumn(text('price'), ['¥1,200.50', '3.5', '12'])).toMatchObject({ transforms: [{ decimal: { scale: 2 } }], sqlType: 'numeric' });
    expect(suggestColumn(text('qty'), ['1', '20', '300'])).toMatchObject({ transforms: ['integer'], sqlType: 'bigint' });
    // A leading zero is a code, not a number.
    expect(suggestColumn(text('zip'), ['0123', '0456', '789']).sqlType).toBe('text');
    expect(suggestColumn(text('mail'), ['a@example.com', 'n/a', 'b@example.org']).transforms).toEqual([{ nullif: ['n/a'] }, 'email']);
    expect(suggestColumn(text('phone'), ['+1 415 555 0100', '(415) 555-0101']).transforms).toEqual([{ phone: { default_country: 'US' } }]);
    expect(suggestColumn(text('stage'), ['Won', 'Lost', 'won', 'Won', 'Open', 'Lost']).transforms).toEqual([{ map: { Won: 'Won', Lost: 'Lost', Open: 'Open' }, unknown: 'reject' }]);
    expect(suggestColumn(text('name'), ['Acme', 'Globex', 'Initech', 'Umbrella']).transforms).toEqual([]);
  });
});

describe('the text init writes', () => {
  it('quotes what YAML would read as something else, and reads back as written', () => {
    const value = { map: { yes: 'no', '1': 'on', 中国: 'CN', 'a: b': '#x', '': null }, unknown: 'reject', n: [1, true] };
    expect(flow('plain_text')).toBe('plain_text');
    expect(flow('yes')).toBe('"yes"');
    expect(parse(`x: ${flow(value)}`)).toEqual({ x: value });
  });

  it('names columns as PostgreSQL and the mapping format take them, each once', () => {
    expect(uniqueNames(['Customer Name', 'customer_name', '1st', '', 'id'], ['id'])).toEqual(['customer_name', 'customer_name_2', 'c_1st', 'column_4', 'id_2']);
  });
});
