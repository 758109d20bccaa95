import { describe, expect, it } from 'vitest';
import { compileDedupe, type DedupePlan, type RawDedupe } from '../../../transforms/dedupe/dedupe-plan.js';
import { compareProfiles, matchKeysOf, profileOf } from '../../../transforms/dedupe/matcher.js';
import { foldCompanyName, foldText } from '../../../transforms/dedupe/normalize.js';
import { jaroSimilarity, jaroWinkler } from '../../../transforms/dedupe/similarity.js';
import { surviveCluster, survivorOf } from '../../../transforms/dedupe/survivorship.js';

const FIELDS = ['legacy_id', 'name', 'email', 'phone', 'mobile', 'city', 'notes', 'updated_at'];

function plan(raw: Partial<RawDedupe> = {}): DedupePlan {
  const compiled = compileDedupe(
    {
      rules: [{ exact: ['email'] }, { exact_any: ['phone', 'mobile'] }, { fuzzy: 'name', compare: 'company_name', threshold: 0.97, review: 0.9, block: ['city'] }],
      veto: ['email', 'phone', 'mobile'],
      order_by: 'updated_at',
      ...raw,
    },
    FIELDS,
    (file) => `/project/${file}`,
  );
  expect(compiled.problems).toEqual([]);
  return compiled.plan!;
}

describe('folding', () => {
  it('makes full-width, case, punctuation and legal forms irrelevant', () => {
    expect(foldCompanyName('ＡＣＭＥ Trading Co., Ltd.')).toBe('acmetrading');
    expect(foldCompanyName('Acme Trading Limited')).toBe('acmetrading');
    expect(foldCompanyName('  acme   trading ')).toBe('acmetrading');
    expect(foldCompanyName('华为技术有限公司')).toBe('华为技术');
    expect(foldCompanyName('上海亿联环保科技股份有限公司')).toBe('上海亿联环保科技');
    expect(foldCompanyName('Müller GmbH')).toBe('müller');
    expect(foldCompanyName('Sony K.K.')).toBe('sony');
    // A name that is only a legal form keeps it: nothing would be left to compare.
    expect(foldCompanyName('Limited')).toBe('limited');
    expect(foldText('（北京）Ａ-1')).toBe('北京a1');
  });
});

describe('Jaro-Winkler', () => {
  it('gives the textbook values', () => {
    expect(jaroSimilarity('MARTHA', 'MARHTA')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('same', 'same')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(1);
  });

  it('compares Chinese names character by character', () => {
    expect(jaroWinkler('上海亿联环保科技', '上海亿联环保科技')).toBe(1);
    expect(jaroWinkler('上海亿联环保科技', '上海亿联科技')).toBeGreaterThan(0.9);
    expect(jaroWinkler('北京华为', '深圳腾讯')).toBe(0);
  });
});

describe('matching', () => {
  const record = (values: Record<string, unknown>) => profileOf(plan(), { name: null, email: null, phone: null, mobile: null, city: null, ...values });

  it('merges on a shared e-mail (any case) or a phone found in either phone column', () => {
    const p = plan();
    expect(compareProfiles(p, record({ email: 'Info@Acme.cn' }), record({ email: 'info@acme.cn' }))).toMatchObject({ decision: 'merge', rule: 'same email', score: 1 });
    expect(compareProfiles(p, record({ phone: '+8613800000001' }), record({ mobile: '+8613800000001' }))).toMatchObject({ decision: 'merge', rule: 'same phone or mobile' });
  });

  it('never merges two different strong keys, whatever else matches', () => {
    const verdict = compareProfiles(plan(), record({ email: 'a@acme.cn', phone: '+8613800000001', name: 'Acme', city: 'Shanghai' }), record({ email: 'b@acme.cn', phone: '+8613800000001', name: 'Acme', city: 'Shanghai' }));
    expect(verdict).toEqual({ decision: 'distinct', rule: null, score: 0, vetoedBy: 'email' });
  });

  it('compares names only within a block, and sends the middle band to review', () => {
    const p = plan();
    expect(compareProfiles(p, record({ name: 'ＡＣＭＥ Trading Co., Ltd.', city: 'Shanghai' }), record({ name: 'Acme Trading Limited', city: 'Shanghai' }))).toMatchObject({ decision: 'merge', score: 1 });
    expect(compareProfiles(p, record({ name: 'Acme Trading', city: 'Shanghai' }), record({ name: 'Acme Trading', city: 'Beijing' }))).toMatchObject({ decision: 'distinct' });
    const review = compareProfiles(p, record({ name: 'Statcom (Shanghai) Co., Ltd.', city: 'Shanghai' }), record({ name: 'Statcode (Shanghai) Co., Ltd.', city: 'Shanghai' }));
    expect(review.decision).toBe('review');
    expect(review.score).toBeGreaterThanOrEqual(0.9);
    expect(review.score).toBeLessThan(0.97);
  });

  it('indexes a record under one key per exact value and one blocking key per fuzzy rule', () => {
    const keys = matchKeysOf(plan(), record({ email: 'a@acme.cn', phone: '+8613800000001', mobile: '+8613900000002', name: 'Acme Trading', city: 'Shanghai' }));
    expect(keys).toHaveLength(4);
    expect(keys.map((key) => key.split('\u001f')[0])).toEqual(['0', '1', '1', '2']);
    expect(matchKeysOf(plan(), record({ name: 'Acme' }))).toEqual([]);
  });
});

describe('rules in the mapping', () => {
  it('reports unknown fields, a review band above the threshold and a missing order', () => {
    const { problems } = compileDedupe({ rules: [{ exact: ['mail'] }, { fuzzy: 'name', threshold: 0.9, review: 0.95, block: ['town'] }] }, FIELDS, (f) => f);
    expect(problems.map(([pointer]) => pointer)).toEqual(['/dedupe/rules/0/exact/0', '/dedupe/rules/1/block/0', '/dedupe/rules/1/review', '/dedupe']);
  });
});

describe('survivorship', () => {
  const members = [
    { key: '7', values: { legacy_id: '7', name: 'Acme', email: 'old@acme.cn', phone: null, notes: 'first', updated_at: '2020-01-01T00:00:00.000Z' } },
    { key: '12', values: { legacy_id: '12', name: 'ACME Trading', email: null, phone: '+8613800000001', notes: 'second', updated_at: '2024-05-01T00:00:00.000Z' } },
    { key: '3', values: { legacy_id: '3', name: 'Acme Trading Co.', email: 'new@acme.cn', phone: null, notes: null, updated_at: '2022-01-01T00:00:00.000Z' } },
  ];

  it('starts from the most recent record and applies per-field rules', () => {
    const p = plan({ fields: { email: 'newest_non_null', notes: { concat: ' | ' }, name: 'longest' } });
    expect(survivorOf(p, members).key).toBe('12');
    expect(surviveCluster(p, members)).toMatchObject({ legacy_id: '12', email: 'new@acme.cn', phone: '+8613800000001', notes: 'first | second', name: 'Acme Trading Co.' });
  });

  it('picks the most complete record, ties broken by key, the same way every time', () => {
    const p = plan({ survivor: 'most_complete' });
    // 7 and 12 both fill five fields; 7 comes first by key.
    expect(survivorOf(p, members).key).toBe('7');
    expect(survivorOf(p, [...members].reverse()).key).toBe('7');
  });
});
