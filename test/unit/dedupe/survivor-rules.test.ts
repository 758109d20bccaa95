import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSchemas } from '../../../pipelines/config/schemas.js';
import { packagePath } from '../../../pipelines/package-root.js';
import { compileDedupe, FIELD_RULES, FUZZY_COMPARE, SURVIVOR_RULES, type DedupePlan, type RawDedupe } from '../../../transforms/dedupe/dedupe-plan.js';
import { compareValues, surviveCluster, survivorOf } from '../../../transforms/dedupe/survivorship.js';

const FIELDS = ['legacy_id', 'name', 'email', 'origin', 'revenue', 'employees', 'version', 'first_order', 'updated_at'];

function compile(raw: Partial<RawDedupe>) {
  return compileDedupe({ rules: [{ exact: ['email'] }], order_by: 'updated_at', ...raw }, FIELDS, (file) => file);
}

function plan(raw: Partial<RawDedupe>): DedupePlan {
  const compiled = compile(raw);
  expect(compiled.problems).toEqual([]);
  return compiled.plan!;
}

const member = (key: string, values: Record<string, unknown>) => ({ key, values: { legacy_id: key, ...values } });

describe('survivor: priority', () => {
  const members = [
    member('1', { origin: 'web form', updated_at: '2024-06-01T00:00:00.000Z' }),
    member('2', { origin: ' ERP ', updated_at: '2020-01-01T00:00:00.000Z' }),
    member('3', { origin: 'erp', updated_at: '2021-01-01T00:00:00.000Z' }),
    member('4', { origin: null, updated_at: '2025-01-01T00:00:00.000Z' }),
  ];
  const byOrigin = plan({ survivor: 'priority', priority: { field: 'origin', order: ['erp', 'crm', 'Web Form'] } });

  it('takes the most trusted value (trimmed, any case), the most recent among equals', () => {
    expect(survivorOf(byOrigin, members).key).toBe('3');
    expect(survivorOf(byOrigin, [...members].reverse()).key).toBe('3');
  });

  it('ranks unlisted and missing values last, and falls back to the most recent among them', () => {
    const unlisted = [member('1', { origin: 'fax', updated_at: '2024-01-01T00:00:00.000Z' }), member('4', { origin: null, updated_at: '2025-01-01T00:00:00.000Z' })];
    expect(survivorOf(byOrigin, unlisted).key).toBe('4');
    expect(survivorOf(byOrigin, [members[0]!, members[3]!]).key).toBe('1');
  });

  it('breaks a tie of rank and time by legacy key, the same way as most_recent', () => {
    const tied = [member('10', { origin: 'crm', updated_at: '2024-01-01T00:00:00.000Z' }), member('9', { origin: 'crm', updated_at: '2024-01-01T00:00:00.000Z' })];
    expect(survivorOf(byOrigin, tied).key).toBe(survivorOf(plan({}), tied).key);
    expect(survivorOf(byOrigin, tied).key).toBe('10');
  });

  it('is refused without `priority`, with `priority` under another survivor, with an unknown field or a value listed twice', () => {
    expect(compile({ survivor: 'priority' }).problems).toEqual([['/dedupe', expect.stringContaining('`survivor: priority` needs `priority: { field, order }`')]]);
    expect(compile({ survivor: 'most_complete', priority: { field: 'origin', order: ['erp'] } }).problems).toEqual([
      ['/dedupe/priority', 'is only read with `survivor: priority`, but `survivor` is `most_complete`; remove it or set `survivor: priority`'],
    ]);
    const problems = compile({ survivor: 'priority', priority: { field: 'source', order: ['erp', 'crm', ' ERP'] } }).problems;
    expect(problems.map(([pointer]) => pointer)).toEqual(['/dedupe/priority/field', '/dedupe/priority/order/2']);
    expect(problems[1]![1]).toContain('already listed at position 0');
  });
});

describe('per-field max and min', () => {
  const members = [
    member('1', { revenue: '900.00', employees: 80, first_order: '2019-03-01T00:00:00.000Z', updated_at: '2024-01-01T00:00:00.000Z' }),
    member('2', { revenue: '1200.50', employees: null, first_order: '2018-11-15T00:00:00.000Z', updated_at: '2023-01-01T00:00:00.000Z' }),
    member('3', { revenue: null, employees: 9, first_order: null, updated_at: '2022-01-01T00:00:00.000Z' }),
  ];

  it('compares decimals written as text by value, not as text', () => {
    const values = surviveCluster(plan({ fields: { revenue: 'max', employees: 'min', first_order: 'min' } }), members);
    // As text, '900.00' > '1200.50'; by value it is the other way round.
    expect(values).toMatchObject({ legacy_id: '1', revenue: '1200.50', employees: 9, first_order: '2018-11-15T00:00:00.000Z' });
    expect(surviveCluster(plan({ fields: { revenue: 'min', employees: 'max' } }), members)).toMatchObject({ revenue: '900.00', employees: 80 });
  });

  it('keeps the newest of equal values as written, and null when no member has one', () => {
    const equal = [member('1', { revenue: '1.50', updated_at: '2024-01-01T00:00:00.000Z' }), member('2', { revenue: '1.5', updated_at: '2020-01-01T00:00:00.000Z' })];
    expect(surviveCluster(plan({ fields: { revenue: 'max' } }), equal).revenue).toBe('1.50');
    expect(surviveCluster(plan({ fields: { revenue: 'max' } }), [...equal].reverse()).revenue).toBe('1.50');
    expect(surviveCluster(plan({ fields: { version: 'max' } }), equal).version).toBeNull();
  });
});

describe('order_by', () => {
  it('orders numbers by value: version 10 is more recent than version 9', () => {
    const p = plan({ order_by: 'version', fields: { email: 'newest_non_null' } });
    const members = [member('1', { version: '10', email: 'new@acme.cn' }), member('2', { version: '9', email: 'old@acme.cn' })];
    expect(survivorOf(p, members).key).toBe('1');
    expect(surviveCluster(p, members).email).toBe('new@acme.cn');
  });

  it('counts a record without a value as the oldest', () => {
    const members = [member('1', { updated_at: null }), member('2', { updated_at: '2001-01-01T00:00:00.000Z' })];
    expect(survivorOf(plan({}), members).key).toBe('2');
  });

  it('compares values: numbers by value, dates in time, text as text', () => {
    expect(compareValues('9', '10')).toBeLessThan(0);
    expect(compareValues(-2, '-10.5')).toBeGreaterThan(0);
    expect(compareValues(new Date('2020-01-01T00:00:00Z'), '2019-12-31T23:59:59.000Z')).toBeGreaterThan(0);
    expect(compareValues('b', 'a')).toBeGreaterThan(0);
  });
});

describe('mapping.schema.json', () => {
  const dedupe = (JSON.parse(readFileSync(packagePath('mappings', 'mapping.schema.json'), 'utf8')) as { $defs: { dedupe: DedupeSchema } }).$defs.dedupe;

  it('offers exactly the survivor, field and compare rules the plan knows', () => {
    expect(dedupe.properties.survivor.enum).toEqual([...SURVIVOR_RULES]);
    expect(dedupe.properties.fields.additionalProperties.oneOf[0]!.enum).toEqual([...FIELD_RULES]);
    expect(dedupe.properties.rules.items.oneOf[2]!.properties.compare!.enum).toEqual([...FUZZY_COMPARE]);
  });

  it('describes every property', () => {
    expect(undescribed(dedupe, '/dedupe')).toEqual([]);
  });

  it('accepts a priority survivor and max/min fields, and refuses a priority without an order', () => {
    const mapping = (section: unknown) => ({
      entity: 'customers',
      source: { connection: 'legacy', table: 'customers', key: 'id' },
      target: { connection: 'newcrm', table: 'customers', key: 'legacy_id' },
      fields: { legacy_id: { from: 'id' } },
      dedupe: section,
    });
    const { mapping: validate } = formatSchemas();
    const valid = { rules: [{ exact: ['email'] }], survivor: 'priority', priority: { field: 'origin', order: ['erp', 2] }, fields: { revenue: 'max', employees: 'min' } };
    expect(validate(mapping(valid)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(mapping({ ...valid, priority: { field: 'origin' } }))).toBe(false);
    expect(validate(mapping({ ...valid, fields: { revenue: 'largest' } }))).toBe(false);
  });
});

interface DedupeSchema {
  properties: {
    survivor: { enum: string[] };
    fields: { additionalProperties: { oneOf: { enum?: string[] }[] } };
    rules: { items: { oneOf: { properties: Record<string, { enum?: string[] }> }[] } };
  };
}

/** JSON pointers of properties without a description, anywhere below `node`. */
function undescribed(node: unknown, pointer: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => undescribed(item, `${pointer}/${index}`));
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const missing: string[] = [];
  if (record.properties !== null && typeof record.properties === 'object') {
    for (const [name, property] of Object.entries(record.properties as Record<string, Record<string, unknown>>)) {
      if (typeof property.description !== 'string') missing.push(`${pointer}/properties/${name}`);
    }
  }
  return [...missing, ...Object.entries(record).flatMap(([key, value]) => undescribed(value, `${pointer}/${key}`))];
}
