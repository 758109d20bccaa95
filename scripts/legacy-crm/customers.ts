/**
 * The `customers` table: base customers drawn by role, duplicate copies placed among them (mostly
 * entered later than their original, sometimes earlier), then ids in creation order and
 * timestamps that grow with the id.
 */
import { deriveCopy } from './customer-copies.js';
import { planCustomers, type CustomerPlan } from './customer-plan.js';
import { ProfileFactory, type CustomerProfile } from './customer-profile.js';
import { CRM_START, DAY, formatCreatedAt, laterUpdate, officeTime, wallDate, wholeSecond } from './legacy-clock.js';
import type { CustomerRow } from './legacy-schema.js';
import type { Random } from './random.js';

/** The last day a customer can be created; the rest of the period leaves room for updates. */
const LAST_CREATED = Date.UTC(2026, 2, 31);

/** Which rows were generated as duplicates and look-alikes, in ids. Checked against the rows by the ground truth. */
export interface CustomerLineage {
  /** `[originalId, copyId, …]`, copies ascending, clusters by original id. */
  readonly duplicateClusters: readonly (readonly number[])[];
  /** `[firstId, secondId]`, ascending. */
  readonly lookalikePairs: readonly (readonly [number, number])[];
}

export interface CustomerTable {
  readonly rows: readonly CustomerRow[];
  /** Wall-clock creation time of customer `id` at index `id - 1`, also where `created_at` is NULL. */
  readonly createdAt: Float64Array;
  readonly lineage: CustomerLineage;
}

interface Placed {
  readonly profile: CustomerProfile;
  readonly sortKey: number;
  readonly baseIndex: number | null;
  /** For a copy: the base index of its original. */
  readonly copyOf: number | null;
}

export function generateCustomers(random: Random, customers: number, duplicateRate: number): CustomerTable {
  const plan = planCustomers(random.fork('plan'), customers, duplicateRate);
  // One factory for originals and copies, so that the keys a copy gets of its own stay unique too.
  const factory = new ProfileFactory(random.fork('profiles'));
  const profiles = drawBaseProfiles(factory, plan);
  const placed = placeCopies(random.fork('copies'), factory, plan, profiles);

  const times = random.fork('times');
  const rows: CustomerRow[] = [];
  const createdAt = new Float64Array(placed.length);
  const idOfBase = new Map<number, number>();
  const copiesOfBase = new Map<number, number[]>();
  const span = (LAST_CREATED - CRM_START) / DAY;
  for (const [position, entry] of placed.entries()) {
    const id = position + 1;
    const day = CRM_START + Math.floor(((position + times.next()) / placed.length) * span) * DAY;
    const created = wholeSecond(officeTime(times, day));
    const updated = wholeSecond(laterUpdate(times, created));
    createdAt[position] = created;
    rows.push(toRow(entry.profile, id, created, updated));
    if (entry.baseIndex !== null) idOfBase.set(entry.baseIndex, id);
    if (entry.copyOf !== null) copiesOfBase.set(entry.copyOf, [...(copiesOfBase.get(entry.copyOf) ?? []), id]);
  }

  const duplicateClusters = [...copiesOfBase]
    .map(([baseIndex, copyIds]) => [idOfBase.get(baseIndex)!, ...copyIds.sort((a, b) => a - b)])
    .sort((a, b) => a[0]! - b[0]!);
  const lookalikePairs = plan.lookalikePairs
    .map(([a, b]) => [idOfBase.get(a)!, idOfBase.get(b)!].sort((x, y) => x - y) as [number, number])
    .sort((x, y) => x[0] - y[0]);
  return { rows, createdAt, lineage: { duplicateClusters, lookalikePairs } };
}

function drawBaseProfiles(factory: ProfileFactory, plan: CustomerPlan): CustomerProfile[] {
  const twinOf = new Map(plan.lookalikePairs.map(([first, second]) => [second, first]));
  const profiles: CustomerProfile[] = [];
  for (let index = 0; index < plan.baseCount; index++) {
    const role = plan.roles[index]!;
    const spec = plan.originals.get(index);
    const nameOnly = spec?.copies.includes('nameOnly') ?? false;
    const first = twinOf.get(index);
    profiles.push(
      factory.create({
        role,
        strongKey: spec !== undefined && !nameOnly,
        city: nameOnly,
        bare: nameOnly && spec!.bareOriginal,
        lookalikeOf: first === undefined ? undefined : profiles[first],
      }),
    );
  }
  return profiles;
}

function placeCopies(random: Random, factory: ProfileFactory, plan: CustomerPlan, profiles: readonly CustomerProfile[]): Placed[] {
  const placed: Placed[] = profiles.map((profile, baseIndex) => ({ profile, sortKey: baseIndex, baseIndex, copyOf: null }));
  const base = plan.baseCount;
  for (const [baseIndex, spec] of plan.originals) {
    const original = profiles[baseIndex]!;
    for (const kind of spec.copies) {
      // Most copies are entered later than the original; about one in six earlier (the "original"
      // is the record the copy was derived from, not necessarily the older one).
      const offset = random.chance(0.83) ? 0.5 + random.next() * 0.6 * base : -(0.5 + random.next() * 0.15 * base);
      placed.push({ profile: deriveCopy(random, factory, original, kind, spec.bareOriginal), sortKey: baseIndex + offset, baseIndex: null, copyOf: baseIndex });
    }
  }
  // Stable: equal keys keep insertion order, so the layout depends on the seed only.
  return placed.sort((a, b) => a.sortKey - b.sortKey);
}

function toRow(profile: CustomerProfile, id: number, created: number, updated: number): CustomerRow {
  const number = `C-${String(id).padStart(6, '0')}`;
  return {
    id,
    customer_no: profile.customerNoStyle === 'lower' ? number.toLowerCase() : profile.customerNoStyle === 'padded' ? ` ${number}` : number,
    name: profile.name,
    contact_first_name: profile.contactFirst,
    contact_last_name: profile.contactLast,
    email: profile.email,
    phone: profile.phoneText,
    mobile: profile.mobileText,
    country: profile.countryText,
    province: profile.provinceText,
    city: profile.cityText,
    address: profile.address,
    industry: profile.industry,
    status: profile.status,
    annual_revenue: profile.annualRevenue,
    employees: profile.employees,
    created_at: profile.createdStyle === null ? null : formatCreatedAt(created, profile.createdStyle),
    updated_at: wallDate(updated),
    deleted: profile.deleted,
    notes: profile.notes,
  };
}
