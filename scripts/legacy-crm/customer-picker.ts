/**
 * Chooses the customer a child row (opportunity or ticket) belongs to. A few customers have many
 * children and most have few. Rows that carry a defect of their own point at a customer that will
 * be loaded, so that each defective row has exactly one defect.
 */
import type { CustomerTable } from './customers.js';
import { HOUR } from './legacy-clock.js';
import type { CustomerRow } from './legacy-schema.js';
import type { Random } from './random.js';
import { customerDefects } from './row-defects.js';

/** The customer of a child row and the earliest time the child can have been entered. */
export interface ChildOwner {
  readonly customer: CustomerRow;
  readonly notBefore: number;
}

export class CustomerPicker {
  readonly #random: Random;
  readonly #customers: readonly CustomerRow[];
  readonly #createdAt: Float64Array;
  /** Cumulative popularity over all customers, and over the ones that will be loaded. */
  readonly #all: Float64Array;
  readonly #loadable: Float64Array;
  readonly #loadableIndex: Int32Array;

  constructor(random: Random, table: CustomerTable) {
    const customers = table.rows;
    this.#random = random;
    this.#customers = customers;
    this.#createdAt = table.createdAt;
    // Popularity is drawn from its own stream, so that tickets and opportunities agree on who the big accounts are.
    const popularity = random.fork('popularity');
    this.#all = new Float64Array(customers.length);
    const loadable: number[] = [];
    let total = 0;
    const weights = customers.map(() => {
      // Pareto-like: a handful of key accounts, a long tail of occasional buyers.
      const weight = 1 / Math.pow(1 - popularity.next() * 0.98, 1.2);
      return weight;
    });
    for (const [index, customer] of customers.entries()) {
      total += weights[index]!;
      this.#all[index] = total;
      if (customerDefects(customer).length === 0) loadable.push(index);
    }
    this.#loadableIndex = Int32Array.from(loadable);
    this.#loadable = new Float64Array(loadable.length);
    let loadableTotal = 0;
    for (const [k, index] of loadable.entries()) {
      loadableTotal += weights[index]!;
      this.#loadable[k] = loadableTotal;
    }
  }

  /** Any customer, by popularity; some are soft-deleted or otherwise not loadable (orphans in effect). */
  any(): CustomerRow | null {
    return this.#draw(this.#all.length, false);
  }

  /** A customer that will be loaded: not soft-deleted, valid e-mail, mappable status. */
  loadable(): CustomerRow | null {
    return this.#draw(this.#all.length, true);
  }

  /**
   * A customer for a child entered at `time`, among the customers that existed by then (ids grow
   * with creation time), so that children follow their customer. `notBefore` is an hour after the
   * customer's creation; it is later than `time` only when no customer existed yet.
   */
  ownerAt(time: number, loadableOnly: boolean): ChildOwner | null {
    // Customers 1…existing were created at or before `time`.
    const existing = Math.max(1, upperBound(this.#createdAt, time));
    const customer = this.#draw(existing, loadableOnly);
    return customer && { customer, notBefore: this.#createdAt[customer.id - 1]! + HOUR };
  }

  /** An id that no customer has: a customer purged from the database after its children were entered. */
  missingId(): number {
    const above = this.#customers.length;
    return above + this.#random.int(1, Math.max(50, Math.round(above * 0.2)));
  }

  /** A customer among the first `prefix` ones, by popularity. */
  #draw(prefix: number, loadableOnly: boolean): CustomerRow | null {
    if (!loadableOnly) {
      if (prefix === 0) return null;
      return this.#customers[search(this.#all, this.#random.next() * this.#all[prefix - 1]!)]!;
    }
    // Loadable customers among the first `prefix`; if none yet, any loadable one.
    const count = upperBound(this.#loadableIndex, prefix - 1) || this.#loadableIndex.length;
    if (count === 0) return null;
    const k = search(this.#loadable, this.#random.next() * this.#loadable[count - 1]!);
    return this.#customers[this.#loadableIndex[k]!]!;
  }
}

/** Number of leading values ≤ `value` in an ascending array. */
function upperBound(sorted: Float64Array | Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First index whose cumulative weight exceeds `at`. */
function search(cumulative: Float64Array, at: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid]! > at) high = mid;
    else low = mid + 1;
  }
  return low;
}
