/**
 * Entry point of the legacy-CRM generator: a deterministic, realistic copy of an in-house CRM
 * (customers, opportunities, support tickets) with the defects a migration meets, and the ground
 * truth that names them.
 *
 * @example
 * const crm = generateLegacyCrm({ seed: 7, customers: 500 });
 * for (const ticket of crm.tickets()) console.log(ticket.ticket_no);
 */
import { generateCustomers, type CustomerLineage } from './customers.js';
import { GroundTruthCollector, type GroundTruth } from './ground-truth.js';
import { resolveLegacyCrmOptions, type LegacyCrmOptions } from './legacy-crm-options.js';
import type { CustomerRow, OpportunityRow, TicketRow } from './legacy-schema.js';
import { generateOpportunities } from './opportunities.js';
import { Random } from './random.js';
import { generateTickets } from './tickets.js';

/** A generated legacy CRM. The customers are held in memory; the child tables are streamed. */
export interface LegacyCrm {
  readonly options: Readonly<LegacyCrmOptions>;
  /** Ids 1…n in order. */
  readonly customers: readonly CustomerRow[];
  /** Which customers were generated as duplicate copies and look-alikes. */
  readonly lineage: CustomerLineage;
  /** A fresh stream of the opportunities; every call yields the same rows. */
  opportunities(): Generator<OpportunityRow, void, undefined>;
  /** A fresh stream of the tickets; every call yields the same rows. */
  tickets(): Generator<TicketRow, void, undefined>;
  /** The ground truth, computed by streaming both child tables once. */
  groundTruth(): GroundTruth;
}

/**
 * Generates the customers (and prepares the child streams) for a seed. Deterministic: no
 * `Math.random`, no current date; each table draws from its own stream, so that changing the
 * number of tickets leaves customers and opportunities as they were.
 * @throws RangeError when an option is out of range (see {@link resolveLegacyCrmOptions}).
 */
export function generateLegacyCrm(options: Partial<LegacyCrmOptions> = {}): LegacyCrm {
  const resolved = resolveLegacyCrmOptions(options);
  const root = new Random(resolved.seed, 'legacy-crm');
  const table = generateCustomers(root.fork('customers'), resolved.customers, resolved.duplicateRate);
  const crm: LegacyCrm = {
    options: resolved,
    customers: table.rows,
    lineage: table.lineage,
    opportunities: () => generateOpportunities(root.fork('opportunities'), resolved.opportunities, table),
    tickets: () => generateTickets(root.fork('tickets'), resolved.tickets, table),
    groundTruth: () => {
      const collector = new GroundTruthCollector(crm);
      for (const row of crm.opportunities()) collector.addOpportunity(row);
      for (const row of crm.tickets()) collector.addTicket(row);
      return collector.result();
    },
  };
  return crm;
}
