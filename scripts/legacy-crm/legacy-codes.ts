/**
 * The legacy CRM's code sets, and the values that do not belong to them. The generator draws from
 * these lists and the ground truth classifies rows with them, so the two cannot drift apart.
 */

/** Customer status codes: A active, I inactive, P prospect, L lead. */
export const CUSTOMER_STATUSES = ['A', 'I', 'P', 'L'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
/** Status values no value map can place: the ground truth's `unmappableStatus`. */
export const UNMAPPABLE_CUSTOMER_STATUSES = ['Z9', '?', 'XX'] as const;

export const OPPORTUNITY_STAGES = ['01-PROSPECTING', '02-QUALIFICATION', '03-PROPOSAL', '04-NEGOTIATION', '05-CLOSED WON', '06-CLOSED LOST'] as const;
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];
export const UNMAPPABLE_OPPORTUNITY_STAGES = ['ZZ-UNKNOWN', '99-MIGRATED'] as const;

/** Ticket status codes: 1 new, 2 open, 3 pending, 4 resolved, 5 closed. */
export const TICKET_STATUSES = [1, 2, 3, 4, 5] as const;
export const UNMAPPABLE_TICKET_STATUSES = [7, 9] as const;

/** Ticket priorities: low, medium, high, urgent. */
export const TICKET_PRIORITIES = ['L', 'M', 'H', 'U'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
/** As typed by different teams over the years; `trim` plus a case-insensitive map places them all. */
export const TICKET_CHANNELS = ['email', 'phone', 'web', 'wechat', '微信', 'Phone', 'E-Mail'] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

/** What people typed into `email` when there was none. Not an invalid e-mail: an absent one. */
export const NO_EMAIL_MARKERS = ['', 'n/a', '-', 'none', '无'] as const;

/**
 * A deliberately simple address check: something without spaces or `@`, one `@`, a domain with a
 * dot and an alphabetic top-level label. Every address the generator means as valid passes it,
 * and every address it means as invalid fails it.
 */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

/** True when the customer status, after trimming and upper-casing, is a known code. */
export function isMappableCustomerStatus(status: string): boolean {
  return (CUSTOMER_STATUSES as readonly string[]).includes(status.trim().toUpperCase());
}

export function isMappableOpportunityStage(stage: string): boolean {
  return (OPPORTUNITY_STAGES as readonly string[]).includes(stage.trim());
}

export function isMappableTicketStatus(status: number): boolean {
  return (TICKET_STATUSES as readonly number[]).includes(status);
}

/** True when the text means "no e-mail" (`null`, empty, `n/a`, …). */
export function isNoEmail(email: string | null): boolean {
  return email === null || (NO_EMAIL_MARKERS as readonly string[]).includes(email.trim().toLowerCase());
}

/** True when an e-mail is present (not a no-e-mail marker) and malformed. */
export function isInvalidEmail(email: string | null): boolean {
  return !isNoEmail(email) && !EMAIL_PATTERN.test(email!.trim());
}
