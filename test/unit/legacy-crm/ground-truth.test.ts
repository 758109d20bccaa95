/**
 * Recomputes the ground truth from the rows with this file's own rules (its own e-mail regex and
 * code lists, libphonenumber for phones, no generator helpers) and compares; then checks that each
 * duplicate copy is findable, no cluster contradicts itself, look-alikes are distinguishable, and
 * every defective row has exactly one defect.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLegacyCrm, type LegacyCrm } from '../../../scripts/legacy-crm/generate.js';
import { formatGroundTruth, type GroundTruth } from '../../../scripts/legacy-crm/ground-truth.js';
import type { CustomerRow, OpportunityRow, TicketRow } from '../../../scripts/legacy-crm/legacy-schema.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;
const NO_EMAIL = new Set(['', 'n/a', '-', 'none', '无']);
const STATUSES = new Set(['A', 'I', 'P', 'L']);
const STAGES = new Set(['01-PROSPECTING', '02-QUALIFICATION', '03-PROPOSAL', '04-NEGOTIATION', '05-CLOSED WON', '06-CLOSED LOST']);
const TICKET_STATUSES = new Set([1, 2, 3, 4, 5]);
/** Other spellings of the data's cities, folded to one. */
const CITY_SPELLINGS: Record<string, string> = {
  shanghai: '上海', beijing: '北京', shenzhen: '深圳', guangzhou: '广州', hangzhou: '杭州', nanjing: '南京', suzhou: '苏州', chengdu: '成都', wuhan: '武汉', tianjin: '天津',
  chongqing: '重庆', "xi'an": '西安', qingdao: '青岛', xiamen: '厦门', dalian: '大连', ningbo: '宁波', dongguan: '东莞', hefei: '合肥', changsha: '长沙', shenyang: '沈阳',
  munich: 'münchen', nyc: 'new york', tokyo: '東京', osaka: '大阪', frankfurt: 'frankfurt am main',
};

const noEmail = (email: string | null) => email === null || NO_EMAIL.has(email.trim().toLowerCase());
const invalidEmail = (email: string | null) => !noEmail(email) && !EMAIL.test(email!.trim());
const emailKey = (email: string | null) => (noEmail(email) || invalidEmail(email) ? null : email!.trim().toLowerCase());
const phoneKey = (phone: string | null) => (phone === null ? null : (parsePhoneNumberFromString(phone, 'CN')?.number ?? null));
/** A city folded to one spelling: `上海市`, `Shanghai` → `上海`. */
function cityKey(city: string | null): string | null {
  if (city === null) return null;
  const folded = city.trim().toLowerCase().replace(/市$/, '');
  return CITY_SPELLINGS[folded] ?? folded;
}

/** `nameKey` of a company: width, case, punctuation and trailing legal forms folded away. */
function nameKey(name: string): string {
  let key = name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const forms = /(集团有限公司|股份有限公司|有限责任公司|有限公司|公司|coltd|limited|ltd|co|inc|llc|corp|gmbh|ag|plc|pte|kk)$/;
  while (forms.test(key) && key.replace(forms, '').length > 0) key = key.replace(forms, '');
  return key;
}

interface Keys {
  email: string | null;
  phones: (string | null)[];
}
const keysOf = (row: CustomerRow): Keys => ({ email: emailKey(row.email), phones: [phoneKey(row.phone), phoneKey(row.mobile)] });
const hasKey = (k: Keys) => k.email !== null || k.phones.some((p) => p !== null);
const shareKey = (a: Keys, b: Keys) => (a.email !== null && a.email === b.email) || a.phones.some((p) => p !== null && b.phones.includes(p));

let crm: LegacyCrm;
let truth: GroundTruth;
let opportunities: OpportunityRow[];
let tickets: TicketRow[];

beforeAll(() => {
  crm = generateLegacyCrm();
  truth = crm.groundTruth();
  opportunities = [...crm.opportunities()];
  tickets = [...crm.tickets()];
});

const customerBad = (row: CustomerRow) => row.deleted === 1 || invalidEmail(row.email) || !STATUSES.has(row.status.trim().toUpperCase());

describe('ground truth', () => {
  it('matches an independent recomputation from the rows', () => {
    const customers = crm.customers;
    const loadable = (id: number | null) => id !== null && id >= 1 && id <= customers.length && !customerBad(customers[id - 1]!);
    const children = <Row extends { id: number; deleted: number; customer_id: number | null }>(rows: readonly Row[], mappable: (row: Row) => boolean) => ({
      softDeleted: rows.filter((row) => row.deleted === 1).map((row) => row.id),
      unmappable: rows.filter((row) => row.deleted === 0 && !mappable(row)).map((row) => row.id),
      orphans: rows.filter((row) => row.deleted === 0 && mappable(row) && row.customer_id !== null && !loadable(row.customer_id)).map((row) => row.id),
    });
    const o = children(opportunities, (row) => STAGES.has(row.stage.trim()));
    const t = children(tickets, (row) => TICKET_STATUSES.has(row.status));

    expect(truth.seed).toBe(42);
    expect(truth.counts).toEqual({ customers: 5000, opportunities: 8000, tickets: 12000 });
    expect(truth.customers.softDeleted).toEqual(customers.filter((row) => row.deleted === 1).map((row) => row.id));
    expect(truth.customers.invalidEmail).toEqual(customers.filter((row) => invalidEmail(row.email)).map((row) => row.id));
    expect(truth.customers.unmappableStatus).toEqual(customers.filter((row) => !STATUSES.has(row.status.trim().toUpperCase())).map((row) => row.id));
    expect(truth.opportunities).toEqual({ softDeleted: o.softDeleted, unmappableStage: o.unmappable, orphans: o.orphans });
    expect(truth.tickets).toEqual({ softDeleted: t.softDeleted, unmappableStatus: t.unmappable, orphans: t.orphans });
  });

  it('gives every row at most one defect; copies, originals and look-alikes none', () => {
    const customers = crm.customers;
    const copies = new Set(truth.customers.duplicateClusters.flatMap((cluster) => cluster.slice(1)));
    const clean = new Set([...truth.customers.duplicateClusters.flat(), ...truth.customers.lookalikePairs.flat()]);
    const overloaded: string[] = [];
    for (const row of customers) {
      const defects = [row.deleted === 1, invalidEmail(row.email), !STATUSES.has(row.status.trim().toUpperCase()), copies.has(row.id)].filter(Boolean).length;
      if (defects > 1 || (clean.has(row.id) && customerBad(row))) overloaded.push(`customer ${row.id}`);
    }
    const orphanRef = (id: number | null) => id !== null && (id > customers.length || customerBad(customers[id - 1]!));
    for (const row of opportunities) if ([row.deleted === 1, !STAGES.has(row.stage.trim()), orphanRef(row.customer_id)].filter(Boolean).length > 1) overloaded.push(`opportunity ${row.id}`);
    for (const row of tickets) if ([row.deleted === 1, !TICKET_STATUSES.has(row.status), orphanRef(row.customer_id)].filter(Boolean).length > 1) overloaded.push(`ticket ${row.id}`);
    expect(overloaded).toEqual([]);
    // Children also point at duplicate copies; those follow the merge and are not orphans.
    expect(opportunities.some((row) => row.customer_id !== null && copies.has(row.customer_id))).toBe(true);
    expect(tickets.some((row) => row.customer_id !== null && copies.has(row.customer_id))).toBe(true);
  });

  it('lists clusters with the original first, copies ascending, each customer once', () => {
    const seen = new Set<number>();
    for (const cluster of truth.customers.duplicateClusters) {
      expect(cluster.length).toBeGreaterThanOrEqual(2);
      expect(cluster.slice(1)).toEqual([...cluster.slice(1)].sort((a, b) => a - b));
      for (const id of cluster) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    for (const pair of truth.customers.lookalikePairs) {
      expect(pair[0]).toBeLessThan(pair[1]);
      for (const id of pair) expect(seen.has(id)).toBe(false);
    }
    const originals = truth.customers.duplicateClusters.map((cluster) => cluster[0]!);
    expect(originals).toEqual([...originals].sort((a, b) => a - b));
    // Copies are mostly entered after their original, some before.
    const before = truth.customers.duplicateClusters.filter((cluster) => cluster.slice(1).some((id) => id < cluster[0]!)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(truth.customers.duplicateClusters.length / 2);
  });

  it('makes every copy findable by a shared e-mail or phone, or by name and city (about 15 %)', () => {
    const customers = crm.customers;
    let nameOnly = 0;
    const unfindable: number[] = [];
    for (const [originalId, ...copyIds] of truth.customers.duplicateClusters) {
      const original = customers[originalId! - 1]!;
      for (const copyId of copyIds) {
        const copy = customers[copyId - 1]!;
        if (shareKey(keysOf(copy), keysOf(original))) continue;
        const sameCity = cityKey(copy.city) !== null && cityKey(copy.city) === cityKey(original.city);
        if (nameKey(copy.name) === nameKey(original.name) && sameCity && (!hasKey(keysOf(copy)) || !hasKey(keysOf(original)))) nameOnly++;
        else unfindable.push(copyId);
      }
    }
    expect(unfindable).toEqual([]);
    const copies = truth.customers.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0);
    expect(nameOnly / copies).toBeGreaterThan(0.1);
    expect(nameOnly / copies).toBeLessThan(0.2);
  });

  it('never gives two records of a cluster different e-mails or phones', () => {
    const conflicts: string[] = [];
    for (const cluster of truth.customers.duplicateClusters) {
      const rows = cluster.map((id) => crm.customers[id - 1]!);
      for (const column of ['email', 'phone', 'mobile'] as const) {
        const key = column === 'email' ? emailKey : phoneKey;
        const values = new Set(rows.map((row) => key(row[column])).filter((value) => value !== null));
        if (values.size > 1) conflicts.push(`${cluster.join(',')} ${column}: ${[...values].join(' / ')}`);
      }
    }
    expect(conflicts).toEqual([]);
  });

  it('types copies differently from their originals', () => {
    const pairs = truth.customers.duplicateClusters.flatMap(([original, ...copies]) => copies.map((copy) => [crm.customers[original! - 1]!, crm.customers[copy - 1]!] as const));
    expect(pairs.filter(([a, b]) => a.name !== b.name).length / pairs.length).toBeGreaterThan(0.9);
    expect(pairs.some(([a, b]) => a.phone !== null && b.phone !== null && a.phone !== b.phone)).toBe(true);
    expect(pairs.some(([a, b]) => a.email !== null && b.email !== null && a.email !== b.email)).toBe(true);
    expect(pairs.some(([a, b]) => a.city !== null && b.city !== null && a.city !== b.city)).toBe(true);
    expect(pairs.some(([, b]) => /[Ａ-Ｚａ-ｚ（）]/.test(b.name))).toBe(true);
    expect(pairs.some(([a, b]) => a.name.endsWith('有限公司') && !b.name.trim().endsWith('公司'))).toBe(true);
    expect(pairs.some(([a, b]) => a.updated_at > b.updated_at)).toBe(true);
    expect(pairs.some(([a, b]) => a.updated_at < b.updated_at)).toBe(true);
  });

  it('keeps look-alikes apart: another city, their own e-mails and phones', () => {
    const customers = crm.customers;
    for (const [a, b] of truth.customers.lookalikePairs) {
      const x = customers[a - 1]!;
      const y = customers[b - 1]!;
      expect(cityKey(x.city)).not.toBe(cityKey(y.city));
      expect(keysOf(x).email).not.toBeNull();
      expect(keysOf(y).email).not.toBeNull();
      expect(phoneKey(x.phone)).not.toBeNull();
      expect(phoneKey(y.phone)).not.toBeNull();
      expect(shareKey(keysOf(x), keysOf(y))).toBe(false);
      // The same or a similar name: equal once legal forms are folded away.
      expect(nameKey(x.name)).toBe(nameKey(y.name));
    }
  });

  it('lets no unrelated customers share an e-mail, a phone or a folded name', () => {
    const group = new Map<number, string>();
    truth.customers.duplicateClusters.forEach((cluster, i) => cluster.forEach((id) => group.set(id, `cluster ${i}`)));
    truth.customers.lookalikePairs.forEach((pair, i) => pair.forEach((id) => group.set(id, `pair ${i}`)));
    const owners = new Map<string, Set<string>>();
    const claim = (key: string | null, id: number) => {
      if (key === null || key === '') return;
      const set = owners.get(key) ?? new Set<string>();
      set.add(group.get(id) ?? `customer ${id}`);
      owners.set(key, set);
    };
    for (const row of crm.customers) {
      const keys = keysOf(row);
      claim(keys.email && `email ${keys.email}`, row.id);
      for (const phone of keys.phones) claim(phone && `phone ${phone}`, row.id);
      claim(`name ${nameKey(row.name)}`, row.id);
    }
    expect([...owners].filter(([, set]) => set.size > 1).map(([key, set]) => `${key}: ${[...set].join(', ')}`)).toEqual([]);
  });

  it('serialises with each id list on one line', () => {
    const text = formatGroundTruth(truth);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(truth)));
    expect(text).toMatch(/"softDeleted": \[\d+(,\d+)*\]/);
  });
});
