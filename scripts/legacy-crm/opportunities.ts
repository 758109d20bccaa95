/**
 * The `opportunities` table, streamed row by row: Maven CRM products sold to the customers, with
 * amounts as free text in several currencies, stage codes, free-text close dates and owners.
 */
import { OPPORTUNITY_NAME_PATTERNS, PRODUCTS, SALES_REPS } from './catalog.js';
import { CustomerPicker } from './customer-picker.js';
import type { CustomerTable } from './customers.js';
import { CLOSE_DATE_STYLES, CRM_END, CRM_START, DAY, laterUpdate, officeTime, wallDate, wholeSecond, formatCloseDate, type CloseDateStyle } from './legacy-clock.js';
import { OPPORTUNITY_STAGES, UNMAPPABLE_OPPORTUNITY_STAGES, type OpportunityStage } from './legacy-codes.js';
import { fitText, type OpportunityRow } from './legacy-schema.js';
import { nameKey } from './match-keys.js';
import { CURRENCY_SPELLINGS, PER_USD, formatMoney } from './money.js';
import { countryOf, type CountryCode } from './places.js';
import { QuotaDraw, type Random } from './random.js';

/** Shares of all opportunities. Orphans also arise from customers that will not be loaded. */
export const OPPORTUNITY_RATES = { softDeleted: 0.02, unmappableStage: 0.01, missingCustomer: 0.03 } as const;

type DealCurrency = keyof typeof CURRENCY_SPELLINGS;

const STAGE_WEIGHTS: readonly (readonly [OpportunityStage, number])[] = [
  ['01-PROSPECTING', 9], ['02-QUALIFICATION', 10], ['03-PROPOSAL', 9], ['04-NEGOTIATION', 8], ['05-CLOSED WON', 40], ['06-CLOSED LOST', 24],
];
const PROBABILITY: Readonly<Record<OpportunityStage, number>> = {
  '01-PROSPECTING': 10, '02-QUALIFICATION': 20, '03-PROPOSAL': 50, '04-NEGOTIATION': 75, '05-CLOSED WON': 100, '06-CLOSED LOST': 0,
};
const DEAL_CURRENCIES: Readonly<Record<CountryCode, readonly (readonly [DealCurrency, number])[]>> = {
  CN: [['CNY', 75], ['USD', 20], ['EUR', 5]],
  US: [['USD', 100]],
  DE: [['EUR', 85], ['USD', 15]],
  GB: [['USD', 60], ['EUR', 40]],
  JP: [['JPY', 80], ['USD', 20]],
  SG: [['USD', 100]],
};
const CLOSE_STYLE_WEIGHTS: readonly (readonly [CloseDateStyle, number])[] = CLOSE_DATE_STYLES.map((style) => [style, style === 'iso' ? 35 : style === 'slash' ? 20 : 15]);
/** Deals entered in the last half year are mostly still open. */
const RECENT = Date.UTC(2026, 0, 1);
const RECENT_STAGE_WEIGHTS = STAGE_WEIGHTS.map(([stage, weight]) => [stage, stage.startsWith('05') || stage.startsWith('06') ? weight / 4 : weight] as const);
/** The big-ticket GTK 500 sells rarely, the cheap MG Special often. */
const PRODUCT_WEIGHTS = PRODUCTS.map((product) => [product, product[0] === 'GTK 500' ? 3 : product[0] === 'MG Special' ? 12 : 10] as const);

/** Streams `count` opportunities; ids 1…count in creation order. */
export function* generateOpportunities(random: Random, count: number, customers: CustomerTable): Generator<OpportunityRow> {
  const picker = new CustomerPicker(random.fork('customers'), customers);
  const draw = new QuotaDraw(random.fork('quotas'), count, {
    softDeleted: Math.round(count * OPPORTUNITY_RATES.softDeleted),
    unmappableStage: Math.round(count * OPPORTUNITY_RATES.unmappableStage),
    missingCustomer: Math.round(count * OPPORTUNITY_RATES.missingCustomer),
  });
  const r = random.fork('rows');
  const spanDays = (CRM_END - CRM_START) / DAY - 14;
  for (let id = 1; id <= count; id++) {
    const role = draw.next();
    const around = CRM_START + Math.floor(((id - 1 + r.next()) / count) * spanDays) * DAY;
    // Rows with a defect of their own belong to a customer that will be loaded: one defect per row.
    const owner = role === 'missingCustomer' ? null : picker.ownerAt(around, role !== null);
    const customerId = owner ? owner.customer.id : picker.missingId();
    const created = wholeSecond(officeTime(r, Math.max(around, owner ? owner.notBefore - (owner.notBefore % DAY) + DAY : around)));
    const updated = wholeSecond(laterUpdate(r, Math.min(created, CRM_END), CRM_END));

    let stage: string = r.weighted(created >= RECENT ? RECENT_STAGE_WEIGHTS : STAGE_WEIGHTS);
    const known = stage as OpportunityStage;
    if (role === 'unmappableStage') stage = r.pick(UNMAPPABLE_OPPORTUNITY_STAGES);
    else if (r.chance(0.02)) stage = r.chance(0.5) ? ` ${stage}` : `${stage} `;

    const [product, listPrice] = r.weighted(PRODUCT_WEIGHTS);
    const quantity = product === 'GTK 500' ? r.int(1, 5) : r.int(1, 60);
    const country = (owner && countryOf(owner.customer.country)) ?? 'CN';
    const currency = r.weighted(DEAL_CURRENCIES[country]);
    const { amount, currencyText } = dealAmount(r, known, listPrice * quantity * (0.8 + r.next() * 0.2), currency);

    yield {
      id,
      customer_id: customerId,
      name: opportunityName(r, product, quantity, owner?.customer.name ?? null),
      amount,
      currency: currencyText,
      stage,
      probability: probability(r, known, role === 'unmappableStage'),
      close_date: closeDate(r, known, created),
      owner: r.chance(0.04) ? null : r.chance(0.02) ? `${r.pick(SALES_REPS)} ` : r.pick(SALES_REPS),
      created_at: r.chance(0.02) ? null : wallDate(created),
      updated_at: wallDate(updated),
      deleted: role === 'softDeleted' ? 1 : 0,
    };
  }
}

function dealAmount(r: Random, stage: OpportunityStage, usd: number, currency: DealCurrency): { amount: string | null; currencyText: string | null } {
  const currencyText = r.chance(0.05) ? null : r.weighted(CURRENCY_SPELLINGS[currency]);
  if ((stage === '01-PROSPECTING' && r.chance(0.5)) || r.chance(0.04)) return { amount: null, currencyText: r.chance(0.6) ? null : currencyText };
  if (stage === '06-CLOSED LOST' && r.chance(0.3)) return { amount: '0', currencyText };
  const local = usd * PER_USD[currency];
  const rounded = currency === 'JPY' ? Math.round(local / 1000) * 1000 : currency === 'CNY' ? Math.round(local / 10) * 10 : Math.round(local * 100) / 100;
  return { amount: formatMoney(r, rounded, currency), currencyText };
}

function probability(r: Random, stage: OpportunityStage, unmappable: boolean): number | null {
  if (r.chance(0.05)) return null;
  if (unmappable) return r.chance(0.5) ? null : r.int(0, 10) * 10;
  const base = PROBABILITY[stage];
  return base === 0 || base === 100 ? base : Math.min(95, Math.max(5, base + r.pick([-5, 0, 0, 5])));
}

function closeDate(r: Random, stage: OpportunityStage, created: number): string | null {
  const open = !stage.startsWith('05') && !stage.startsWith('06');
  if (open && (stage === '01-PROSPECTING' || stage === '02-QUALIFICATION') && r.chance(0.3)) return null;
  if (r.chance(0.03)) return null;
  const day = created - (created % DAY) + (open ? r.int(30, 240) : r.int(7, 200)) * DAY;
  return formatCloseDate(day, r.weighted(CLOSE_STYLE_WEIGHTS));
}

function opportunityName(r: Random, product: string, quantity: number, customerName: string | null): string {
  const short = customerName === null ? null : shortName(customerName);
  const pattern = short === null ? r.pick([OPPORTUNITY_NAME_PATTERNS[2], OPPORTUNITY_NAME_PATTERNS[4]]) : r.pick(OPPORTUNITY_NAME_PATTERNS);
  const name = pattern(product, quantity, short ?? '');
  const padded = r.chance(0.02) ? `${name} ` : name;
  return fitText(padded, 100);
}

/** `上海华联贸易有限公司` → `上海华联贸易`, `Betatech Trading Co., Ltd.` → `Betatech Trading`. */
function shortName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  const withoutForm = trimmed.replace(/(集团|股份)?有限(责任)?公司$/, '').replace(/,?\s+(Co\.,? Ltd\.?|Co\. Ltd|Ltd\.?|Limited|Inc\.?|LLC|Corp\.|GmbH|AG|PLC|Pte\.? Ltd\.?|K\.K\.)$/i, '');
  const short = withoutForm.length > 0 ? withoutForm : trimmed;
  return nameKey(short).length === 0 ? trimmed : fitText(short, 30);
}
