/**
 * The generated rows: counts, determinism, speed, the shapes of every column (lengths within the
 * MySQL types, valid calendar dates, created ≤ updated, valid phones), updated_at ties, and the
 * defect rates.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLegacyCrm, type LegacyCrm } from '../../../scripts/legacy-crm/generate.js';
import type { GroundTruth } from '../../../scripts/legacy-crm/ground-truth.js';
import { DEFAULT_LEGACY_CRM_OPTIONS } from '../../../scripts/legacy-crm/legacy-crm-options.js';
import { LEGACY_TABLES, LEGACY_TABLE_NAMES, columnNames, type CustomerRow, type LegacyTableName, type OpportunityRow, type TicketRow } from '../../../scripts/legacy-crm/legacy-schema.js';

const START = Date.UTC(2016, 0, 1);
const END = Date.UTC(2026, 5, 30, 23, 59, 59);

let crm: LegacyCrm;
let opportunities: OpportunityRow[];
let tickets: TicketRow[];
let truth: GroundTruth;

beforeAll(() => {
  crm = generateLegacyCrm();
  opportunities = [...crm.opportunities()];
  tickets = [...crm.tickets()];
  truth = crm.groundTruth();
});

function rowsOf(table: LegacyTableName): readonly Readonly<Record<string, unknown>>[] {
  return table === 'customers' ? crm.customers : table === 'opportunities' ? opportunities : tickets;
}

/** A wall-clock time from calendar fields, or NaN when they name no real date (2019-02-30). */
function calendar(y: number, mo: number, d: number, h = 0, mi = 0, sec = 0): number {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date.getTime() : NaN;
}

/** Parses the text forms of customers.created_at into a Shanghai wall-clock time; NaN if unknown. */
function parseCreatedAt(text: string): number {
  const n = (m: RegExpExecArray, ...groups: number[]) => groups.map((g) => Number(m[g] ?? 0)) as [number, number, number, number, number, number];
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text))) return calendar(...n(m, 1, 2, 3, 4, 5, 6));
  if ((m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(text))) return calendar(...n(m, 1, 2, 3, 4, 5, 9));
  if ((m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(text))) return calendar(...n(m, 3, 2, 1, 4, 5, 9));
  if ((m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(text))) return calendar(...n(m, 1, 2, 3, 4, 5, 6)) + 8 * 3_600_000;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\+08:00$/.exec(text))) return calendar(...n(m, 1, 2, 3, 4, 5, 6));
  if ((m = /^(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})$/.exec(text))) return calendar(...n(m, 1, 2, 3, 4, 5, 9));
  return NaN;
}

/** Parses the five close_date forms; NaN if unknown or not a real date. */
function parseCloseDate(text: string): number {
  const ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(text);
  if (ymd) return calendar(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  return dmy ? calendar(Number(dmy[3]), Number(dmy[2]), Number(dmy[1])) : NaN;
}

describe('generateLegacyCrm', () => {
  it('makes the default counts', () => {
    expect(crm.options).toEqual(DEFAULT_LEGACY_CRM_OPTIONS);
    expect(crm.customers).toHaveLength(5000);
    expect(opportunities).toHaveLength(8000);
    expect(tickets).toHaveLength(12000);
    expect(truth.counts).toEqual({ customers: 5000, opportunities: 8000, tickets: 12000 });
  });

  it('repeats itself for a seed and changes with the seed', () => {
    const again = generateLegacyCrm({ seed: 42 });
    expect(again.customers).toEqual(crm.customers);
    expect([...again.opportunities()]).toEqual(opportunities);
    expect([...again.tickets()]).toEqual(tickets);
    const other = generateLegacyCrm({ seed: 43 });
    expect(other.customers.map((row) => row.name)).not.toEqual(crm.customers.map((row) => row.name));
  });

  it('keeps customers and opportunities when only the ticket count changes', () => {
    const fewer = generateLegacyCrm({ tickets: 100 });
    expect(fewer.customers).toEqual(crm.customers);
    expect([...fewer.opportunities()].slice(0, 50)).toEqual(opportunities.slice(0, 50));
  });

  it('gives ids 1…n and exactly the table columns, in DDL order', () => {
    for (const table of LEGACY_TABLE_NAMES) {
      const rows = rowsOf(table);
      rows.forEach((row, index) => expect(row.id).toBe(index + 1));
      expect(Object.keys(rows[0]!)).toEqual(columnNames(table));
    }
  });

  it('fits every value into its MySQL column type', () => {
    const problems: string[] = [];
    for (const table of LEGACY_TABLE_NAMES) {
      for (const column of LEGACY_TABLES[table].columns) {
        const length = Number(/CHAR\((\d+)\)/.exec(column.type)?.[1] ?? Infinity);
        const nullable = !column.type.includes('NOT NULL');
        for (const row of rowsOf(table)) {
          const value = row[column.name];
          const where = `${table}.${column.name} id=${String(row.id)}`;
          if (value === null) {
            if (!nullable) problems.push(`${where} is NULL`);
          } else if (typeof value === 'string' && [...value].length > length) {
            problems.push(`${where} is longer than ${length}: ${value}`);
          } else if (column.type.startsWith('DATETIME') && !(value instanceof Date)) {
            problems.push(`${where} is not a Date`);
          } else if (column.type.startsWith('TEXT') && Buffer.byteLength(value as string) >= 65_535) {
            problems.push(`${where} is too long for TEXT`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('writes valid dates inside the CRM period, created ≤ updated', () => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => ok || problems.push(what);
    for (const row of crm.customers) {
      const updated = row.updated_at.getTime();
      check(updated % 1000 === 0 && updated >= START && updated <= END, `customer ${row.id} updated_at ${updated}`);
      if (row.created_at !== null) check(parseCreatedAt(row.created_at) <= updated, `customer ${row.id} created_at ${row.created_at}`);
    }
    for (const row of opportunities) {
      check(row.created_at === null || row.created_at.getTime() <= row.updated_at.getTime(), `opportunity ${row.id} created after updated`);
      check(row.updated_at.getTime() <= END, `opportunity ${row.id} updated_at`);
      check(row.close_date === null || !Number.isNaN(parseCloseDate(row.close_date)), `opportunity ${row.id} close_date ${row.close_date}`);
    }
    for (const row of tickets) {
      const opened = row.opened_at.getTime();
      check(opened >= START, `ticket ${row.id} opened_at`);
      check(row.closed_at === null || row.closed_at.getTime() >= opened, `ticket ${row.id} closed before opened`);
      check(row.updated_at.getTime() >= (row.closed_at?.getTime() ?? opened) && row.updated_at.getTime() <= END, `ticket ${row.id} updated_at`);
      check(row.ticket_no === `T-${row.opened_at.getUTCFullYear()}-${String(row.id).padStart(6, '0')}`, `ticket ${row.id} ticket_no ${row.ticket_no}`);
    }
    expect(problems).toEqual([]);
  });

  it('uses every created_at style and NULL', () => {
    const styles = new Set(crm.customers.map((row) => (row.created_at === null ? 'NULL' : row.created_at.replace(/\d/g, '9').replace(/9+/g, '9'))));
    expect([...styles].sort()).toEqual(['9-9-9 9:9:9', '9-9-9T9:9:9+9:9', '9-9-9T9:9:9Z', '9/9/9 9:9', '9年9月9日 9:9', 'NULL'].sort());
  });

  it('has ties in updated_at for keyset paging, but mostly distinct values', () => {
    for (const table of LEGACY_TABLE_NAMES) {
      const rows = rowsOf(table);
      const counts = new Map<number, number>();
      for (const row of rows) counts.set((row.updated_at as Date).getTime(), (counts.get((row.updated_at as Date).getTime()) ?? 0) + 1);
      expect(Math.max(...counts.values()), table).toBeGreaterThanOrEqual(3);
      expect(counts.size / rows.length, table).toBeGreaterThan(0.85);
    }
  });

  it('writes phone numbers that parse as valid numbers (default country CN)', () => {
    const invalid = crm.customers.flatMap((row) => [row.phone, row.mobile]).filter((phone) => phone !== null && parsePhoneNumberFromString(phone, 'CN')?.isValid() !== true);
    expect(invalid).toEqual([]);
  });

  it('mixes Chinese and Latin names, spellings of countries, and quirks on valid rows', () => {
    const chinese = crm.customers.filter((row) => /[\u4e00-\u9fff]/.test(row.name)).length;
    expect(chinese / 5000).toBeGreaterThan(0.4);
    expect(chinese / 5000).toBeLessThan(0.6);
    const countries = new Set(crm.customers.map((row) => row.country));
    for (const spelling of ['中国', 'China', 'PRC', 'CN', 'USA', 'United States', 'US', 'Deutschland', 'Germany', 'DE', 'UK', 'United Kingdom', 'GB', '日本', 'Japan', 'JP', 'Singapore', 'SG', null]) {
      expect(countries).toContain(spelling);
    }
    expect(crm.customers.some((row) => row.name !== row.name.trim())).toBe(true);
    expect(crm.customers.some((row) => /[Ａ-Ｚａ-ｚ（）]/.test(row.name))).toBe(true);
    expect(crm.customers.some((row) => row.email !== null && /[A-Z]/.test(row.email) && /@/.test(row.email))).toBe(true);
    for (const marker of ['n/a', '-', '']) expect(crm.customers.some((row) => row.email === marker)).toBe(true);
    for (const status of ['a', ' A']) expect(crm.customers.some((row) => row.status === status)).toBe(true);
    for (const revenue of [/^¥\d{1,3}(,\d{3})+$/, /^\$\d{1,3}(,\d{3})*\.\d{2}$/, /^\d{1,3}(\.\d{3})+,\d{2} €$/, /^CNY \d+$/, /^\d{1,3}( \d{3})+$/]) {
      expect(crm.customers.some((row) => row.annual_revenue !== null && revenue.test(row.annual_revenue)), String(revenue)).toBe(true);
    }
    for (const employees of [/^\d+$/, /^\d,\d{3}$/, /^\d+-\d+$/, /^approx \d+$/]) {
      expect(crm.customers.some((row) => row.employees !== null && employees.test(row.employees)), String(employees)).toBe(true);
    }
    expect(crm.customers.some((row) => row.notes?.includes('\r\n'))).toBe(true);
  });

  it('writes ticket bodies with quotes, blank lines, CRLF and LF, tabs, emoji and Chinese', () => {
    const bodies = tickets.map((row) => row.body ?? '');
    for (const pattern of [/"/, /,/, /\n\n/, /\r\n/, /[^\r]\n/, /\t/, /\p{Extended_Pictographic}/u, /[\u4e00-\u9fff]/, /\{product_purchased\}/]) {
      expect(bodies.some((body) => pattern.test(body)), String(pattern)).toBe(true);
    }
    expect(bodies.some((body) => /\r\n/.test(body) && /[^\r]\n/.test(body))).toBe(true);
    expect(tickets.some((row) => row.body === null)).toBe(true);
    const channels = new Set(tickets.map((row) => row.channel));
    for (const channel of ['email', 'phone', 'web', 'wechat', '微信', 'Phone', 'E-Mail', null]) expect(channels).toContain(channel);
  });

  it('keeps ticket contact e-mails valid or NULL, and anonymous web tickets at about 3 %', () => {
    for (const row of tickets) {
      if (row.contact_email !== null) expect(row.contact_email).toMatch(/^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/);
    }
    const anonymous = tickets.filter((row) => row.customer_id === null);
    expect(anonymous.length / tickets.length).toBeGreaterThan(0.025);
    expect(anonymous.length / tickets.length).toBeLessThan(0.035);
    expect(anonymous.every((row) => row.channel === 'web')).toBe(true);
    expect(opportunities.every((row) => row.customer_id !== null)).toBe(true);
  });

  it('writes amounts in several currencies and notations, close dates in five formats', () => {
    const currencies = new Set(opportunities.map((row) => row.currency));
    for (const currency of ['CNY', 'RMB', '¥', 'USD', '$', 'EUR', '€', 'JPY', null]) expect(currencies).toContain(currency);
    const closeStyles = new Set(opportunities.map((row) => row.close_date?.replace(/\d+/g, '9')));
    for (const style of ['9-9-9', '9/9/9', '9', '9年9月9日']) expect(closeStyles).toContain(style);
    expect(opportunities.some((row) => row.amount?.endsWith(' €'))).toBe(true);
    for (const row of opportunities) if (row.probability !== null) expect(row.probability >= 0 && row.probability <= 100).toBe(true);
  });

  it('handles tiny and extreme options', () => {
    for (const options of [{ customers: 1, opportunities: 3, tickets: 3 }, { customers: 10, duplicateRate: 0.4 }, { customers: 200, duplicateRate: 0 }, { customers: 50, opportunities: 0, tickets: 0 }]) {
      const small = generateLegacyCrm(options);
      expect(small.customers).toHaveLength(options.customers);
      const smallTruth = small.groundTruth();
      expect(smallTruth.counts.customers).toBe(options.customers);
    }
  });

  it('rejects bad options with the valid range', () => {
    expect(() => generateLegacyCrm({ customers: 0 })).toThrow('Expected `customers` to be an integer ≥ 1, got `0` (number)');
    expect(() => generateLegacyCrm({ duplicateRate: 0.9 })).toThrow('Expected `duplicateRate` to be a number from 0 to 0.4, got `0.9` (number)');
    expect(() => generateLegacyCrm({ seed: 1.5 })).toThrow('Expected `seed` to be an integer from 0 to 4294967295');
  });
});

describe('defect rates (default seed)', () => {
  const share = (ids: readonly number[], total: number) => ids.length / total;

  it('puts each defect near its rate and leaves no category empty', () => {
    const c = truth.customers;
    const copies = c.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0);
    expect(copies / 5000).toBeCloseTo(0.07, 2);
    expect(c.duplicateClusters.some((cluster) => cluster.length === 3)).toBe(true);
    expect(share(c.lookalikePairs.flat(), 5000)).toBeCloseTo(0.02, 2);
    expect(share(c.softDeleted, 5000)).toBeCloseTo(0.02, 2);
    expect(share(c.invalidEmail, 5000)).toBeCloseTo(0.015, 2);
    expect(share(c.unmappableStatus, 5000)).toBeCloseTo(0.01, 2);
    for (const [table, total] of [['opportunities', 8000], ['tickets', 12000]] as const) {
      const t = truth[table];
      expect(share(t.softDeleted, total)).toBeCloseTo(0.02, 2);
      expect(share('unmappableStage' in t ? t.unmappableStage : t.unmappableStatus, total)).toBeCloseTo(0.01, 2);
      // 3 % point at missing customers; about 4.5 % more at customers that will not be loaded.
      expect(share(t.orphans, total)).toBeGreaterThan(0.05);
      expect(share(t.orphans, total)).toBeLessThan(0.1);
    }
    for (const list of [c.duplicateClusters, c.lookalikePairs, c.softDeleted, c.invalidEmail, c.unmappableStatus, ...Object.values(truth.opportunities), ...Object.values(truth.tickets)]) {
      expect(list.length).toBeGreaterThan(0);
    }
  });

  it('lets about 3 % of the children point at ids that do not exist', () => {
    for (const rows of [opportunities, tickets]) {
      const missing = rows.filter((row) => row.customer_id !== null && row.customer_id > 5000);
      expect(missing.length / rows.length).toBeCloseTo(0.03, 2);
    }
  });

  it('uses every unmappable code', () => {
    expect(new Set(truth.customers.unmappableStatus.map((id) => crm.customers[id - 1]!.status))).toEqual(new Set(['Z9', '?', 'XX']));
    expect(new Set(truth.opportunities.unmappableStage.map((id) => opportunities[id - 1]!.stage))).toEqual(new Set(['ZZ-UNKNOWN', '99-MIGRATED']));
    expect(new Set(truth.tickets.unmappableStatus.map((id) => tickets[id - 1]!.status))).toEqual(new Set([7, 9]));
  });

  it('uses every invalid e-mail shape', () => {
    const emails = truth.customers.invalidEmail.map((id) => (crm.customers[id - 1] as CustomerRow).email!);
    for (const shape of [/@@/, /^[^@]*#/, /@[^.]+$/, / .*@/, /@公司$/, /^@/]) expect(emails.some((email) => shape.test(email)), String(shape)).toBe(true);
  });
});
