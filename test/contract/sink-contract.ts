/**
 * The contract every `Sink` (connectors/sink.ts) keeps, as one vitest `describe` block per sink, like
 * source-contract.ts for sources. It knows nothing of SQL: a fixture creates two fresh target
 * tables of the shape below and returns a sink writing to them, and a way to read them back.
 *
 * Parent table (`parent`), a new CRM's customers:
 * | column        | holds                                    | the target refuses                 |
 * |---------------|------------------------------------------|------------------------------------|
 * | `id`          | the target's own id (generated)          |                                    |
 * | `legacy_id`   | the legacy key: unique, not null         |                                    |
 * | `name`        | text, not null, at most 40 characters    | NULL; 41 characters or more        |
 * | `email`       | text, unique (a second unique key)       | an e-mail another row holds        |
 * | `amount`      | decimal(12,2)                            |                                    |
 * | `active`      | boolean                                  |                                    |
 * | `born`        | date                                     | a day that does not exist          |
 * | `seen_at`     | timestamp with milliseconds (an instant) |                                    |
 * | `profile`     | JSON                                     |                                    |
 * | `code`        | char(4), blank-padded                    |                                    |
 * | `archived_at` | timestamp, NULL until archived           |                                    |
 * Child table (`child`), their orders: `id` (generated), `legacy_id` (unique key), `customer_id`
 * (a parent's id, nullable, a foreign key: an id no parent has is refused, and a parent with
 * orders cannot be deleted) and `note` (text).
 *
 * @example
 * describeSinkContract('MariaDB', { create: async () => ({ sink, parent, child, readRows, cleanup }) });
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildTarget, Sink, SinkWriter } from '../../connectors/sink.js';
import type { Row, TargetTable } from '../../connectors/types.js';
import { canonicalValue, rowDigest, rowText } from '../../pipelines/reconcile/canonical-value.js';

/** What the target holds of a row, read back by the fixture without the sink. */
export interface StoredRow {
  /** Target id and keys as text. */
  readonly id: string;
  readonly legacy_id: string;
  /**
   * The other columns: numbers as numbers or decimal text, instants as `Date`, dates as
   * `yyyy-MM-dd`, booleans as booleans, JSON parsed, NULL as null.
   */
  readonly [column: string]: unknown;
}

export interface SinkContractSetup {
  readonly sink: Sink;
  /** `{ table, key: 'legacy_id', id: 'id' }` of the parent table. */
  readonly parent: TargetTable;
  /** The child table, `field: 'customer_id'`. */
  readonly child: ChildTarget;
  /** Every row of a table as the target holds it, in any order. */
  readRows(table: 'parent' | 'child'): Promise<StoredRow[]>;
  /** Drops what `create` made; the suite closes the sink. */
  cleanup(): Promise<void>;
}

/** The refusals the suite provokes, and how each reason must name its problem. */
export const REFUSAL_CASES = {
  'a name too long': /too long|length|characters/i,
  'a NULL name': /null/i,
  'an e-mail another row holds': /duplicate|unique|already/i,
  'a day that does not exist': /date|day|range/i,
  'an order of a customer id that does not exist': /foreign key|parent|reference|not exist/i,
  'deleting a customer its orders reference': /foreign key|referenc|constraint|child/i,
} as const;
export type RefusalCase = keyof typeof REFUSAL_CASES;

export interface SinkContractFixture {
  /** Fresh, empty tables of the shape above, and a sink on them. */
  create(): Promise<SinkContractSetup>;
  /** The refusals this target makes, when not all (an API may take a date it then ignores). @default all of REFUSAL_CASES */
  readonly refuses?: readonly RefusalCase[];
  /**
   * `archive` and `repoint` count the rows they found and wrote, not the rows whose value changed,
   * and an archive sent again writes its time again: an API answers "updated" whether or not a
   * value changed, and has no conditional update. Rows that do not exist are still not counted,
   * and never created. @default false
   */
  readonly countsWrites?: boolean;
}

/** Column kinds of the parent's value columns, for the content probe. */
const PROBED = { name: 'text', email: 'text', amount: 'number', active: 'boolean', born: 'date', seen_at: 'instant', profile: 'json', code: 'padded' } as const;

/** Rows with values that test the canonical forms: trailing zeros, negative zero, ms, old and leap days, emoji, '' vs NULL, JSON key order. */
export const TRICKY_ROWS: readonly Row[] = [
  { legacy_id: 'C-001', name: 'Acme 🎉 Trading', email: 'info@acme.example', amount: '1234.50', active: true, born: '2024-02-29', seen_at: '2024-02-29T12:34:56.789Z', profile: { tier: 'gold', a: [1, 2.5, 'x'], ü: null }, code: 'AB' },
  { legacy_id: 'C-002', name: '', email: null, amount: '-0.00', active: false, born: '1900-01-01', seen_at: '1969-07-20T20:17:40.000Z', profile: [], code: 'ABCD' },
  { legacy_id: 'C-003', name: '  padded  ', email: 'x@y.example', amount: '100', active: null, born: null, seen_at: '2038-01-19T03:14:08.001+02:00', profile: { b: { d: 1, c: 2 }, aa: 'é"\\' }, code: null },
  { legacy_id: 'C-004', name: '北京市朝阳区', email: null, amount: null, active: true, born: '2000-12-31', seen_at: null, profile: null, code: ' X' },
  { legacy_id: 'c-004', name: 'same key in lower case', email: null, amount: '0.01', active: false, born: '2099-06-15', seen_at: '2099-06-15T23:59:59.999Z', profile: { n: 10, m: -0.5 }, code: '' },
];

/** Parent rows with every column set; `name` and `email` made from the key. */
function customers(keys: readonly string[], suffix = ''): Row[] {
  return keys.map((key, index) => ({
    legacy_id: key,
    name: `Customer ${key}${suffix}`,
    email: `${key.toLowerCase()}@example.com`,
    amount: `${index * 10}.25`,
    active: index % 2 === 0,
    born: '1990-05-17',
    seen_at: '2024-03-01T08:00:00.000Z',
    profile: { index },
    code: 'AA',
  }));
}

function keys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
}

export function describeSinkContract(name: string, fixture: SinkContractFixture): void {
  const refuses = new Set<RefusalCase>(fixture.refuses ?? (Object.keys(REFUSAL_CASES) as RefusalCase[]));
  const countsChanges = fixture.countsWrites !== true;

  describe(`${name} sink contract`, () => {
    let setup: SinkContractSetup;
    let sink: Sink;
    let parent: TargetTable;
    let child: ChildTarget;

    beforeEach(async () => {
      setup = await fixture.create();
      ({ sink, parent, child } = setup);
    });

    afterEach(async () => {
      await setup?.sink.close();
      await setup?.cleanup();
    });

    const write = <T>(fn: (writer: SinkWriter) => Promise<T>) => sink.write(fn);
    const byKey = async (table: 'parent' | 'child') => new Map((await setup.readRows(table)).map((row) => [row.legacy_id, row]));

    it('inserts new rows: one outcome per row, in input order, with the target id and inserted true', async () => {
      const rows = customers(['K3', 'K1', 'K2', 'K5', 'K4']);
      const outcomes = await write((w) => w.upsert(parent, rows));
      expect(outcomes).toHaveLength(rows.length);
      const stored = await byKey('parent');
      expect(stored.size).toBe(rows.length);
      outcomes.forEach((outcome, index) => {
        expect(outcome, `row ${index}`).toEqual({ ok: true, id: stored.get(String(rows[index]!.legacy_id))!.id, inserted: true });
      });
      expect(new Set(outcomes.map((o) => (o.ok ? o.id : ''))).size).toBe(rows.length);
      expect(stored.get('K1')!.name).toBe('Customer K1');
    });

    it('updates rows that exist: the same ids, inserted false, the new values; new keys among them are inserted', async () => {
      const first = await write((w) => w.upsert(parent, customers(['A', 'B', 'C'])));
      const again = customers(['C', 'D', 'A'], ' (renamed)');
      const second = await write((w) => w.upsert(parent, again));
      const ids = new Map(['A', 'B', 'C'].map((key, i) => [key, (first[i] as { id: string }).id]));
      expect(second[0]).toEqual({ ok: true, id: ids.get('C'), inserted: false });
      expect(second[1]).toMatchObject({ ok: true, inserted: true });
      expect(second[2]).toEqual({ ok: true, id: ids.get('A'), inserted: false });
      const stored = await byKey('parent');
      expect(stored.size).toBe(4);
      expect(stored.get('A')!.name).toBe('Customer A (renamed)');
      expect(stored.get('B')!.name).toBe('Customer B');
    });

    it('isolates the rows the target refuses, writes the others, and names each problem', async () => {
      await write((w) => w.upsert(parent, customers(['HOLDER'])));
      const rows = customers(keys('R', 24));
      const broken = new Map<number, RefusalCase>();
      if (refuses.has('a name too long')) broken.set(3, 'a name too long');
      if (refuses.has('a NULL name')) broken.set(9, 'a NULL name');
      if (refuses.has('an e-mail another row holds')) broken.set(14, 'an e-mail another row holds');
      if (refuses.has('a day that does not exist')) broken.set(20, 'a day that does not exist');
      const sent = rows.map((row, index) => {
        switch (broken.get(index)) {
          case 'a name too long':
            return { ...row, name: 'x'.repeat(41) };
          case 'a NULL name':
            return { ...row, name: null };
          case 'an e-mail another row holds':
            return { ...row, email: 'holder@example.com' };
          case 'a day that does not exist':
            return { ...row, born: '2021-02-30' };
          default:
            return row;
        }
      });
      const outcomes = await write((w) => w.upsert(parent, sent));
      expect(outcomes).toHaveLength(sent.length);
      for (const [index, outcome] of outcomes.entries()) {
        const problem = broken.get(index);
        if (problem === undefined) {
          expect(outcome, `row ${index}`).toMatchObject({ ok: true, inserted: true });
          continue;
        }
        expect(outcome.ok, `row ${index} (${problem})`).toBe(false);
        if (!outcome.ok) {
          expect(outcome.reason, problem).toMatch(/^the target refused the row: /);
          expect(outcome.reason, problem).toMatch(REFUSAL_CASES[problem]);
        }
      }
      const stored = await byKey('parent');
      expect(stored.size).toBe(1 + rows.length - broken.size);
      for (const index of broken.keys()) expect(stored.has(String(rows[index]!.legacy_id))).toBe(false);
      // The row that holds the e-mail is left as it was: no upsert may land on another row's unique value.
      expect(stored.get('HOLDER')).toMatchObject({ name: 'Customer HOLDER', email: 'holder@example.com' });
    });

    it('refuses a child whose lookup holds an id no parent has, and writes its siblings', async (context) => {
      if (!refuses.has('an order of a customer id that does not exist')) context.skip('the target does not check references');
      const [customer] = await write((w) => w.upsert(parent, customers(['P'])));
      const id = (customer as { id: string }).id;
      const missing = await unusedParentId(id);
      const outcomes = await write((w) =>
        w.upsert(child, [
          { legacy_id: 'O1', customer_id: id, note: 'fine' },
          { legacy_id: 'O2', customer_id: missing, note: 'orphan' },
          { legacy_id: 'O3', customer_id: null, note: 'no customer' },
        ]),
      );
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect(outcomes[1]!.ok === false && outcomes[1]!.reason).toMatch(REFUSAL_CASES['an order of a customer id that does not exist']);
      expect([...(await byKey('child')).keys()].sort()).toEqual(['O1', 'O3']);
    });

    it('patches fields of rows that exist by key, and refuses a key with no row', async () => {
      const written = await write((w) => w.upsert(parent, customers(['A', 'B', 'C'])));
      const outcomes = await write((w) =>
        w.patch(parent, [
          { legacy_id: 'B', name: 'B patched' },
          { legacy_id: 'NOPE', name: 'nobody' },
          { legacy_id: 'C', amount: '7.00', active: false },
          { legacy_id: 'A', name: 'y'.repeat(41) },
        ]),
      );
      expect(outcomes[0]).toEqual({ ok: true, id: (written[1] as { id: string }).id, inserted: false });
      expect(outcomes[1]!.ok).toBe(false);
      expect(outcomes[2]).toEqual({ ok: true, id: (written[2] as { id: string }).id, inserted: false });
      if (refuses.has('a name too long')) expect(outcomes[3]!.ok === false && outcomes[3]!.reason).toMatch(REFUSAL_CASES['a name too long']);
      const stored = await byKey('parent');
      expect(stored.size).toBe(3);
      expect(stored.get('B')).toMatchObject({ name: 'B patched', email: 'b@example.com' });
      expect(Number(stored.get('C')!.amount)).toBe(7);
      expect(stored.get('C')!.active).toBe(false);
      expect(stored.get('A')!.name).toBe('Customer A');
    });

    it('deletes by target id; an id already gone is deleted; a parent its children reference is refused', async (context) => {
      if (!sink.capabilities.deletes) context.skip('the sink does not delete');
      const written = await write((w) => w.upsert(parent, customers(['A', 'B', 'C'])));
      const [a, b, c] = written.map((o) => (o as { id: string }).id) as [string, string, string];
      await write((w) => w.upsert(child, [{ legacy_id: 'O1', customer_id: c, note: null }]));
      const referenced = refuses.has('deleting a customer its orders reference');
      const outcomes = await write((w) => w.delete(parent, [a, c, b]));
      expect(outcomes[0]).toEqual({ id: a, ok: true });
      expect(outcomes[2]).toEqual({ id: b, ok: true });
      if (referenced) {
        expect(outcomes[1]).toMatchObject({ id: c, ok: false });
        expect(outcomes[1]!.reason).toMatch(/^the target refused the row: /);
        expect(outcomes[1]!.reason).toMatch(REFUSAL_CASES['deleting a customer its orders reference']);
        expect([...(await byKey('parent')).keys()]).toEqual(['C']);
      } else {
        expect([...(await byKey('parent')).keys()]).toEqual([]);
      }
      expect(await write((w) => w.delete(parent, [a, b]))).toEqual([{ id: a, ok: true }, { id: b, ok: true }]);
    });

    it('archives only rows not archived yet: a row archived before keeps its first time', async () => {
      const written = await write((w) => w.upsert(parent, customers(['A', 'B', 'C'])));
      const rows = written.map((o, i) => ({ legacyKey: ['A', 'B', 'C'][i]!, targetId: (o as { id: string }).id }));
      const first = new Date('2024-05-01T10:00:00.000Z');
      const later = new Date('2024-06-01T10:00:00.000Z');
      expect(await write((w) => w.archive(parent, 'archived_at', [rows[0]!, rows[1]!], first))).toBe(2);
      expect(await write((w) => w.archive(parent, 'archived_at', [rows[1]!, rows[2]!], later))).toBe(countsChanges ? 1 : 2);
      expect(await write((w) => w.archive(parent, 'archived_at', rows, later))).toBe(countsChanges ? 0 : 3);
      const stored = await byKey('parent');
      // Where writes are counted, not changes, each row holds the last time sent to it.
      expect((stored.get('A')!.archived_at as Date).getTime()).toBe((countsChanges ? first : later).getTime());
      expect((stored.get('B')!.archived_at as Date).getTime()).toBe((countsChanges ? first : later).getTime());
      expect((stored.get('C')!.archived_at as Date).getTime()).toBe(later.getTime());
    });

    it('repoints children by legacy key to another parent, counting the rows it changed', async () => {
      const [p1, p2] = (await write((w) => w.upsert(parent, customers(['P1', 'P2'])))).map((o) => (o as { id: string }).id) as [string, string];
      await write((w) => w.upsert(child, [
        { legacy_id: 'O1', customer_id: p1, note: 'a' },
        { legacy_id: 'O2', customer_id: p1, note: 'b' },
        { legacy_id: 'O3', customer_id: p2, note: 'c' },
      ]));
      expect(await write((w) => w.repoint(child, ['O1', 'O2', 'O3', 'NOPE'], p2))).toBe(countsChanges ? 2 : 3);
      expect(await write((w) => w.repoint(child, ['O1', 'O2'], p2))).toBe(countsChanges ? 0 : 2);
      const stored = await byKey('child');
      expect([...stored.values()].map((row) => String(row.customer_id))).toEqual([p2, p2, p2]);
    });

    it('counts the rows that carry a legacy key', async (context) => {
      if (!sink.capabilities.counts) context.skip('the sink does not count');
      expect(await sink.countRows!(parent)).toBe(0);
      await write((w) => w.upsert(parent, customers(keys('N', 37))));
      expect(await sink.countRows!(parent)).toBe(37);
    });

    it('computes in the target the canonical values, row digests and checksums JavaScript computes from the rows written', async (context) => {
      if (!sink.capabilities.contentChecks) context.skip('the sink has no content checks');
      const outcomes = await write((w) => w.upsert(parent, TRICKY_ROWS));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const names = Object.keys(PROBED);
      const probe = await sink.contentProbe!(parent, names);
      expect(probe.columns).toEqual(names.map((column) => ({ name: column, kind: PROBED[column as keyof typeof PROBED] })));
      const expected = new Map(TRICKY_ROWS.map((row) => {
        const canonical = probe.columns.map((column) => canonicalValue(row[column.name], column.kind));
        return [String(row.legacy_id), { canonical, digest: rowDigest(rowText(canonical)) }];
      }));
      const all = [...expected.keys()];
      const found = await probe.rows([...all, 'absent']);
      expect(found.size).toBe(all.length);
      for (const [key, want] of expected) {
        expect(probe.columns.map((column) => found.get(key)!.canonical[column.name]), key).toEqual(want.canonical);
      }
      const digests = await probe.digests(all);
      for (const [key, want] of expected) expect(digests.get(key), key).toBe(want.digest);
      const checksum = await probe.checksum([...all, 'absent']);
      expect(checksum).toEqual({ count: all.length, sum: [...expected.values()].reduce((sum, e) => sum + e.digest, 0n) });
      expect(await probe.checksum([])).toEqual({ count: 0, sum: 0n });
      const sorted = [...all].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
      expect(await probe.keysPage(null, 100)).toEqual(sorted);
      expect(await probe.keysPage(null, 2)).toEqual(sorted.slice(0, 2));
      expect(await probe.keysPage(sorted[1]!, 2)).toEqual(sorted.slice(2, 4));
      expect(await probe.keysPage(sorted[sorted.length - 1]!, 2)).toEqual([]);
      await expect(sink.contentProbe!(parent, ['name', 'no_such_column'])).rejects.toMatchObject({ name: 'FatalError', message: expect.stringMatching(/no_such_column/) });
    });

    it('leaves nothing of a write that throws half-way', async (context) => {
      if (!sink.capabilities.transactional) context.skip('the sink is not transactional');
      await write((w) => w.upsert(parent, customers(['KEEP'])));
      const boom = new Error('boom half-way');
      await expect(
        write(async (w) => {
          await w.upsert(parent, customers(['NEW1', 'NEW2']));
          await w.patch(parent, [{ legacy_id: 'KEEP', name: 'changed' }]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      const stored = await byKey('parent');
      expect([...stored.keys()]).toEqual(['KEEP']);
      expect(stored.get('KEEP')!.name).toBe('Customer KEEP');
    });

    it('sent twice (a crash before the state committed), a batch leaves one row per key with the same ids', async () => {
      const batch = async (w: SinkWriter) => {
        const upserted = await w.upsert(parent, customers(['A', 'B', 'C']));
        const ids = upserted.map((o) => (o as { id: string }).id);
        await w.upsert(child, [{ legacy_id: 'O1', customer_id: ids[0], note: 'n' }]);
        await w.archive(parent, 'archived_at', [{ legacyKey: 'B', targetId: ids[1]! }], new Date('2024-01-01T00:00:00.000Z'));
        await w.repoint(child, ['O1'], ids[2]!);
        return upserted;
      };
      const first = await write(batch);
      const before = await setup.readRows('parent');
      const second = await write(batch);
      expect(second.map((o) => (o as { id: string }).id)).toEqual(first.map((o) => (o as { id: string }).id));
      expect(second.every((o) => o.ok && !o.inserted)).toBe(true);
      const after = await setup.readRows('parent');
      expect(sortById(after)).toEqual(sortById(before));
      const children = await setup.readRows('child');
      expect(children).toHaveLength(1);
      expect(String(children[0]!.customer_id)).toBe((first[2] as { id: string }).id);
    });

    /** An id of the parent's kind that no row has: the written one with its last character changed. */
    async function unusedParentId(id: string): Promise<string> {
      if (/^\d+$/.test(id)) return String(BigInt(id) + 1_000_000n);
      const last = id.at(-1)!;
      return `${id.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    }
  });
}

function sortById(rows: readonly StoredRow[]): StoredRow[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
