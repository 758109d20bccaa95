/**
 * What is wrong with a row, read from its values alone. The generator uses these to keep defects
 * exclusive, and the ground truth uses them to list the defective rows.
 */
import { isInvalidEmail, isMappableCustomerStatus, isMappableOpportunityStage, isMappableTicketStatus } from './legacy-codes.js';
import type { CustomerRow, OpportunityRow, TicketRow } from './legacy-schema.js';

export const CUSTOMER_DEFECTS = ['softDeleted', 'invalidEmail', 'unmappableStatus'] as const;
export type CustomerDefect = (typeof CUSTOMER_DEFECTS)[number];

export const OPPORTUNITY_DEFECTS = ['softDeleted', 'unmappableStage'] as const;
export type OpportunityDefect = (typeof OPPORTUNITY_DEFECTS)[number];

export const TICKET_DEFECTS = ['softDeleted', 'unmappableStatus'] as const;
export type TicketDefect = (typeof TICKET_DEFECTS)[number];

/** The defects of a customer; an empty list means it will be loaded. */
export function customerDefects(row: CustomerRow): CustomerDefect[] {
  const defects: CustomerDefect[] = [];
  if (row.deleted === 1) defects.push('softDeleted');
  if (isInvalidEmail(row.email)) defects.push('invalidEmail');
  if (!isMappableCustomerStatus(row.status)) defects.push('unmappableStatus');
  return defects;
}

/** The defects an opportunity has on its own (orphans depend on the customers, see the ground truth). */
export function opportunityDefects(row: OpportunityRow): OpportunityDefect[] {
  const defects: OpportunityDefect[] = [];
  if (row.deleted === 1) defects.push('softDeleted');
  if (!isMappableOpportunityStage(row.stage)) defects.push('unmappableStage');
  return defects;
}

/** The defects a ticket has on its own. */
export function ticketDefects(row: TicketRow): TicketDefect[] {
  const defects: TicketDefect[] = [];
  if (row.deleted === 1) defects.push('softDeleted');
  if (!isMappableTicketStatus(row.status)) defects.push('unmappableStatus');
  return defects;
}
