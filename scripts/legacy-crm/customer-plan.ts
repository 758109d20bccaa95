/**
 * Which customer gets which part to play, decided before any field is drawn: duplicate originals
 * (and how many copies each), look-alike pairs, and one defect per defective row. The roles are
 * disjoint, so every defective row has exactly one defect and every cluster or pair is clean.
 */
import type { Random } from './random.js';

/** Shares of all customers. */
export const CUSTOMER_RATES = {
  /** Rows with `deleted = 1`. */
  softDeleted: 0.02,
  /** Rows with a malformed e-mail. */
  invalidEmail: 0.015,
  /** Rows with a status code no value map can place. */
  unmappableStatus: 0.01,
  /** Rows that share their name with another customer in another city (both rows count). */
  lookalike: 0.02,
} as const;

/** Share of the duplicate copies findable only by name and city (no shared e-mail or phone). */
export const NAME_ONLY_COPY_SHARE = 0.15;
/** Share of the duplicate copies that are the second copy of their original. */
export const SECOND_COPY_SHARE = 0.08;

export const BASE_ROLES = ['clean', 'original', 'lookalike', 'softDeleted', 'invalidEmail', 'unmappableStatus'] as const;
/** The part a customer that is not a duplicate copy plays. */
export type BaseRole = (typeof BASE_ROLES)[number];

export const COPY_KINDS = ['sharedKey', 'nameOnly'] as const;
/** How a copy stays findable: it shares a strong key, or only its near-identical name and city. */
export type CopyKind = (typeof COPY_KINDS)[number];

export interface OriginalSpec {
  readonly copies: readonly CopyKind[];
  /**
   * For a name-only copy: the original is the record without e-mail and phone (true), or the copy
   * is (false).
   */
  readonly bareOriginal: boolean;
}

export interface CustomerPlan {
  /** Customers that are not copies, in creation order; copies are placed among them later. */
  readonly baseCount: number;
  readonly copyCount: number;
  /** Role of each base customer, by base index. */
  readonly roles: readonly BaseRole[];
  /** Originals by base index. */
  readonly originals: ReadonlyMap<number, OriginalSpec>;
  /** Look-alike pairs by base index, the first created first; the second takes its name from it. */
  readonly lookalikePairs: readonly (readonly [number, number])[];
}

/** Splits `customers` into roles at the given duplicate rate; small tables get proportionally fewer. */
export function planCustomers(random: Random, customers: number, duplicateRate: number): CustomerPlan {
  const copyCount = Math.round(customers * duplicateRate);
  const baseCount = customers - copyCount;
  const seconds = Math.min(Math.floor(copyCount / 2), Math.round(copyCount * SECOND_COPY_SHARE));
  const originalCount = copyCount - seconds;
  let pairs = Math.floor(Math.round(customers * CUSTOMER_RATES.lookalike) / 2);
  let softDeleted = Math.round(customers * CUSTOMER_RATES.softDeleted);
  let invalidEmail = Math.round(customers * CUSTOMER_RATES.invalidEmail);
  let unmappableStatus = Math.round(customers * CUSTOMER_RATES.unmappableStatus);
  const room = baseCount - originalCount;
  const needed = 2 * pairs + softDeleted + invalidEmail + unmappableStatus;
  if (needed > room) {
    const scale = room / needed;
    pairs = Math.floor(pairs * scale);
    softDeleted = Math.floor(softDeleted * scale);
    invalidEmail = Math.floor(invalidEmail * scale);
    unmappableStatus = Math.floor(unmappableStatus * scale);
  }

  const order = random.shuffle(Array.from({ length: baseCount }, (_, i) => i));
  const roles: BaseRole[] = new Array<BaseRole>(baseCount).fill('clean');
  let at = 0;
  const take = (count: number, role: BaseRole): number[] => {
    const taken = order.slice(at, at + count);
    at += count;
    for (const index of taken) roles[index] = role;
    return taken;
  };
  const originalIndexes = take(originalCount, 'original');
  const lookalikeIndexes = take(2 * pairs, 'lookalike');
  take(softDeleted, 'softDeleted');
  take(invalidEmail, 'invalidEmail');
  take(unmappableStatus, 'unmappableStatus');

  // The first `seconds` originals get two copies; name-only copies go to single-copy originals.
  const nameOnly = Math.min(originalCount - seconds, Math.round(copyCount * NAME_ONLY_COPY_SHARE));
  const originals = new Map<number, OriginalSpec>();
  for (const [k, index] of originalIndexes.entries()) {
    if (k < seconds) originals.set(index, { copies: ['sharedKey', 'sharedKey'], bareOriginal: false });
    else if (k < seconds + nameOnly) originals.set(index, { copies: ['nameOnly'], bareOriginal: random.chance(0.4) });
    else originals.set(index, { copies: ['sharedKey'], bareOriginal: false });
  }

  const lookalikePairs: [number, number][] = [];
  for (let k = 0; k + 1 < lookalikeIndexes.length; k += 2) {
    const a = lookalikeIndexes[k]!;
    const b = lookalikeIndexes[k + 1]!;
    lookalikePairs.push(a < b ? [a, b] : [b, a]);
  }
  lookalikePairs.sort((x, y) => x[0] - y[0]);

  return { baseCount, copyCount, roles, originals, lookalikePairs };
}
