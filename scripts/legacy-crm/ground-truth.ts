/**
 * The answer key for tests: which rows are duplicates, look-alikes, soft-deleted, malformed,
 * unmappable or orphaned. Computed from the generated rows themselves (defects are read from the
 * values; duplicate clusters and look-alike pairs come from the generator's lineage and are
 * checked against the rows), so that a generator bug cannot hide behind its own intentions.
 */
import type { CustomerLineage } from './customers.js';
import type { LegacyCrmOptions } from './legacy-crm-options.js';
import type { CustomerRow, OpportunityRow, TicketRow } from './legacy-schema.js';
import { cityKey, conflictingStrongKey, hasNoStrongKey, nameKey, shareStrongKey, strongKeys } from './match-keys.js';
import { customerDefects, opportunityDefects, ticketDefects, type CustomerDefect } from './row-defects.js';

export interface GroundTruth {
  readonly seed: number;
  readonly options: Readonly<LegacyCrmOptions>;
  readonly counts: { readonly customers: number; readonly opportunities: number; readonly tickets: number };
  readonly customers: {
    /** `[originalId, copyId, …]`: the original first, copies ascending; by original id. */
    readonly duplicateClusters: readonly (readonly number[])[];
    /** Customers with the same or a similar name in different cities that are NOT duplicates. */
    readonly lookalikePairs: readonly (readonly [number, number])[];
    readonly softDeleted: readonly number[];
    readonly invalidEmail: readonly number[];
    readonly unmappableStatus: readonly number[];
  };
  readonly opportunities: { readonly softDeleted: readonly number[]; readonly unmappableStage: readonly number[]; readonly orphans: readonly number[] };
  readonly tickets: { readonly softDeleted: readonly number[]; readonly unmappableStatus: readonly number[]; readonly orphans: readonly number[] };
}

/** What the collector needs to know about the generated customers. */
export interface GeneratedCustomers {
  readonly options: Readonly<LegacyCrmOptions>;
  readonly customers: readonly CustomerRow[];
  readonly lineage: CustomerLineage;
}

/**
 * Builds the ground truth while the child tables stream past, holding only ids.
 * `orphans` are child rows, neither soft-deleted nor with an unmappable code of their own, whose
 * non-NULL `customer_id` names no customer that will be loaded (missing, soft-deleted, invalid
 * e-mail or unmappable status). Children of duplicate copies are not orphans: they follow the merge.
 */
export class GroundTruthCollector {
  readonly #generated: GeneratedCustomers;
  /** 1 at `id - 1` when the customer will be loaded. */
  readonly #loadable: Uint8Array;
  readonly #customerTruth: Record<CustomerDefect, number[]>;
  readonly #opportunities = { softDeleted: [] as number[], unmappableStage: [] as number[], orphans: [] as number[], count: 0 };
  readonly #tickets = { softDeleted: [] as number[], unmappableStatus: [] as number[], orphans: [] as number[], count: 0 };

  /** @throws Error when the rows break a generator invariant (two defects on a row, an unfindable copy, …). */
  constructor(generated: GeneratedCustomers) {
    this.#generated = generated;
    const { customers } = generated;
    this.#loadable = new Uint8Array(customers.length);
    this.#customerTruth = { softDeleted: [], invalidEmail: [], unmappableStatus: [] };
    for (const [index, row] of customers.entries()) {
      if (row.id !== index + 1) throw new Error(`Generator invariant: customer at index ${index} has id ${row.id}`);
      const defects = customerDefects(row);
      if (defects.length > 1) throw new Error(`Generator invariant: customer ${row.id} has ${defects.length} defects (${defects.join(', ')})`);
      if (defects.length === 0) this.#loadable[index] = 1;
      else this.#customerTruth[defects[0]!].push(row.id);
    }
    checkLineage(customers, generated.lineage);
  }

  addOpportunity(row: OpportunityRow): void {
    this.#opportunities.count++;
    const defects = opportunityDefects(row);
    if (defects.length > 1) throw new Error(`Generator invariant: opportunity ${row.id} has ${defects.length} defects`);
    if (defects[0] !== undefined) this.#opportunities[defects[0]].push(row.id);
    else if (this.#isOrphanReference(row.customer_id)) this.#opportunities.orphans.push(row.id);
  }

  addTicket(row: TicketRow): void {
    this.#tickets.count++;
    const defects = ticketDefects(row);
    if (defects.length > 1) throw new Error(`Generator invariant: ticket ${row.id} has ${defects.length} defects`);
    if (defects[0] !== undefined) this.#tickets[defects[0]].push(row.id);
    else if (this.#isOrphanReference(row.customer_id)) this.#tickets.orphans.push(row.id);
  }

  result(): GroundTruth {
    const { options, customers, lineage } = this.#generated;
    const { count: opportunities, ...opportunityTruth } = this.#opportunities;
    const { count: tickets, ...ticketTruth } = this.#tickets;
    return {
      seed: options.seed,
      options,
      counts: { customers: customers.length, opportunities, tickets },
      customers: { duplicateClusters: lineage.duplicateClusters, lookalikePairs: lineage.lookalikePairs, ...this.#customerTruth },
      opportunities: opportunityTruth,
      tickets: ticketTruth,
    };
  }

  #isOrphanReference(customerId: number | null): boolean {
    return customerId !== null && this.#loadable[customerId - 1] !== 1;
  }
}

/** The ground truth as `ground-truth.json` holds it: readable, with each id list on one line. */
export function formatGroundTruth(truth: GroundTruth): string {
  return `${JSON.stringify(truth, null, 2).replace(/\[[\d,\s]*\]/g, (list) => list.replace(/\s+/g, ''))}\n`;
}

/**
 * Checks that every copy is findable and consistent with its cluster, and that look-alikes are
 * distinguishable; throws on the first violation, naming the ids.
 */
function checkLineage(customers: readonly CustomerRow[], lineage: CustomerLineage): void {
  const row = (id: number) => customers[id - 1]!;
  const seen = new Set<number>();
  const claim = (id: number, what: string) => {
    if (customerDefects(row(id)).length > 0) throw new Error(`Generator invariant: ${what} member ${id} has a defect`);
    if (seen.has(id)) throw new Error(`Generator invariant: customer ${id} is in two clusters or pairs`);
    seen.add(id);
  };
  for (const cluster of lineage.duplicateClusters) {
    const [originalId, ...copyIds] = cluster as [number, ...number[]];
    for (const id of cluster) claim(id, 'duplicate cluster');
    const original = row(originalId);
    const originalKeys = strongKeys(original);
    for (const copyId of copyIds) {
      const copy = row(copyId);
      const copyKeys = strongKeys(copy);
      const byName = nameKey(copy.name) === nameKey(original.name) && cityKey(copy.city) !== null && cityKey(copy.city) === cityKey(original.city) && (hasNoStrongKey(copyKeys) || hasNoStrongKey(originalKeys));
      if (!shareStrongKey(copyKeys, originalKeys) && !byName) throw new Error(`Generator invariant: copy ${copyId} of ${originalId} shares no key and no name-and-city with it`);
    }
    for (const a of cluster) {
      for (const b of cluster) {
        if (a < b && conflictingStrongKey(strongKeys(row(a)), strongKeys(row(b)))) throw new Error(`Generator invariant: duplicates ${a} and ${b} have different e-mails or phones`);
      }
    }
  }
  for (const [a, b] of lineage.lookalikePairs) {
    claim(a, 'look-alike pair');
    claim(b, 'look-alike pair');
    const keysA = strongKeys(row(a));
    const keysB = strongKeys(row(b));
    const cityA = cityKey(row(a).city);
    const cityB = cityKey(row(b).city);
    if (cityA === null || cityB === null || cityA === cityB) throw new Error(`Generator invariant: look-alikes ${a} and ${b} are not in two known different cities`);
    if (keysA.email === null || keysA.phone === null || keysB.email === null || keysB.phone === null || shareStrongKey(keysA, keysB)) {
      throw new Error(`Generator invariant: look-alikes ${a} and ${b} do not have their own e-mails and phones`);
    }
  }
}
