/**
 * The `tickets` table, streamed row by row: support tickets of the customers (and anonymous web
 * tickets without one), with status codes, channels as each team typed them, and bodies full of
 * characters that break naive exports.
 */
import { CHINESE_GIVEN_NAMES, CHINESE_SURNAMES } from './chinese-names.js';
import { SUPPORTED_PRODUCTS, TICKET_SUBJECTS } from './catalog.js';
import { CustomerPicker } from './customer-picker.js';
import type { CustomerTable } from './customers.js';
import { recaseEmail } from './emails.js';
import { CRM_END, CRM_START, DAY, HOUR, formatDateTime, laterUpdate, officeTime, wallDate, wholeSecond } from './legacy-clock.js';
import { EMAIL_PATTERN, TICKET_CHANNELS, TICKET_PRIORITIES, UNMAPPABLE_TICKET_STATUSES, isNoEmail, type TicketChannel, type TicketPriority } from './legacy-codes.js';
import type { CustomerRow, TicketRow } from './legacy-schema.js';
import { FREE_MAIL_DOMAINS } from './places.js';
import { QuotaDraw, type Random } from './random.js';
import { ticketBody, ticketSubject } from './ticket-bodies.js';

/** Shares of all tickets. Anonymous web tickets have no customer and are valid rows. */
export const TICKET_RATES = { softDeleted: 0.02, unmappableStatus: 0.01, missingCustomer: 0.03, anonymous: 0.03 } as const;

const STATUS_WEIGHTS: readonly (readonly [number, number])[] = [[1, 8], [2, 12], [3, 10], [4, 30], [5, 40]];
const OPEN_STATUS_WEIGHTS: readonly (readonly [number, number])[] = [[1, 25], [2, 35], [3, 25], [4, 10], [5, 5]];
const PRIORITIES: Readonly<Record<TicketPriority, number>> = { L: 30, M: 40, H: 20, U: 7 };
const PRIORITY_WEIGHTS: readonly (readonly [string | null, number])[] = [...TICKET_PRIORITIES.map((p) => [p, PRIORITIES[p]] as const), [null, 3]];
const CHANNELS: Readonly<Record<TicketChannel, number>> = { email: 28, phone: 15, web: 14, wechat: 12, 微信: 10, Phone: 7, 'E-Mail': 9 };
const CHANNEL_WEIGHTS: readonly (readonly [string | null, number])[] = [...TICKET_CHANNELS.map((c) => [c, CHANNELS[c]] as const), [null, 5]];
/** Tickets opened in the last quarter are mostly not closed yet. */
const RECENT = Date.UTC(2026, 3, 1);

/** Streams `count` tickets; ids 1…count in the order they were opened (give or take a day). */
export function* generateTickets(random: Random, count: number, customers: CustomerTable): Generator<TicketRow> {
  const picker = new CustomerPicker(random.fork('customers'), customers);
  const draw = new QuotaDraw(random.fork('quotas'), count, {
    softDeleted: Math.round(count * TICKET_RATES.softDeleted),
    unmappableStatus: Math.round(count * TICKET_RATES.unmappableStatus),
    missingCustomer: Math.round(count * TICKET_RATES.missingCustomer),
    anonymous: Math.round(count * TICKET_RATES.anonymous),
  });
  const r = random.fork('rows');
  const spanDays = (CRM_END - CRM_START) / DAY - 3;
  for (let id = 1; id <= count; id++) {
    const role = draw.next();
    const around = CRM_START + Math.floor(((id - 1 + r.next()) / count) * spanDays) * DAY;
    const anonymous = role === 'anonymous';
    // Rows with a defect of their own belong to a customer that will be loaded: one defect per row.
    const owner = anonymous || role === 'missingCustomer' ? null : picker.ownerAt(around, role !== null);
    const customer = owner?.customer ?? null;
    const customerId = anonymous ? null : customer ? customer.id : picker.missingId();
    const day = owner ? Math.max(around, owner.notBefore - (owner.notBefore % DAY) + DAY) : around;
    const opened = wholeSecond(officeTime(r, day));

    const status = role === 'unmappableStatus' ? r.pick(UNMAPPABLE_TICKET_STATUSES) : r.weighted(opened >= RECENT ? OPEN_STATUS_WEIGHTS : STATUS_WEIGHTS);
    const isClosed = status === 4 || status === 5 || (role === 'unmappableStatus' && r.chance(0.5));
    // Most tickets close within days; a few drag on for weeks.
    const closed = isClosed ? wholeSecond(Math.min(CRM_END, opened + Math.floor(Math.pow(r.next(), 3) * 45 * DAY) + HOUR)) : null;
    const updated = wholeSecond(laterUpdate(r, closed ?? opened));

    const chinese = customer === null ? r.chance(0.6) : /[\u4e00-\u9fff]/.test(customer.name);
    const product = r.pick(SUPPORTED_PRODUCTS);
    const contactName = customer && customer.contact_last_name !== null ? signatureOf(customer) : null;
    yield {
      id,
      ticket_no: `T-${new Date(opened).getUTCFullYear()}-${String(id).padStart(6, '0')}`,
      customer_id: customerId,
      subject: ticketSubject(r, r.pick(TICKET_SUBJECTS), product, chinese),
      body: ticketBody(r, { product, chinese, signature: contactName, company: customer?.name.trim() ?? null, date: formatDateTime(opened - r.int(3, 400) * DAY).slice(0, 10) }),
      status,
      priority: r.weighted(PRIORITY_WEIGHTS),
      channel: anonymous ? 'web' : r.weighted(CHANNEL_WEIGHTS),
      contact_email: contactEmail(r, customer),
      opened_at: wallDate(opened),
      closed_at: closed === null ? null : wallDate(closed),
      updated_at: wallDate(updated),
      deleted: role === 'softDeleted' ? 1 : 0,
    };
  }
}

function signatureOf(customer: CustomerRow): string {
  const first = customer.contact_first_name?.trim() ?? '';
  const last = customer.contact_last_name?.trim() ?? '';
  return /[\u4e00-\u9fff]/.test(last) ? `${last}${first}` : `${first} ${last}`.trim();
}

/**
 * Who wrote in: the customer's own address when it has a valid one, else a colleague's or a web
 * form's; never a malformed one, so that a ticket does not carry a second defect.
 */
function contactEmail(r: Random, customer: CustomerRow | null): string | null {
  const own = customer === null || isNoEmail(customer.email) || !EMAIL_PATTERN.test(customer.email!.trim()) ? null : customer.email!.trim();
  const roll = r.next();
  if (roll < 0.2) return null;
  if (own !== null && roll < 0.75) return r.chance(0.2) ? recaseEmail(r, own.toLowerCase()) : own;
  const [, surname] = r.pick(CHINESE_SURNAMES);
  const [, given] = r.pick(CHINESE_GIVEN_NAMES);
  const domain = own !== null && r.chance(0.5) ? own.slice(own.indexOf('@') + 1) : r.pick(FREE_MAIL_DOMAINS.CN);
  return `${surname}.${given}${r.int(1, 99)}@${domain}`;
}
