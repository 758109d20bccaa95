/**
 * The `dedupe` section of a mapping, typed and checked once at the config edge. Rules match on
 * mapped fields (after transforms), so `email` is already lower-cased and `phone` already E.164.
 */
import { exactKey } from './normalize.js';

/**
 * `most_recent` by `order_by`; `most_complete`: most non-null fields; `priority`: the record whose
 * `priority.field` comes first in `priority.order` (a trusted origin, an active status), then the most recent.
 */
export const SURVIVOR_RULES = ['most_recent', 'most_complete', 'priority'] as const;
export type SurvivorRule = (typeof SURVIVOR_RULES)[number];

/** `max`/`min` compare numbers as numbers (also when written as text, like decimals) and anything else as text (ISO dates). */
export const FIELD_RULES = ['newest_non_null', 'oldest_non_null', 'longest', 'max', 'min'] as const;
export type FieldRuleName = (typeof FIELD_RULES)[number];

export const FUZZY_COMPARE = ['company_name', 'text'] as const;
export type FuzzyCompare = (typeof FUZZY_COMPARE)[number];

export type DedupeRule =
  /** Every listed field equal and present. */
  | { readonly name: string; readonly kind: 'exact'; readonly fields: readonly string[] }
  /** A value of any listed field equals a value of any listed field of the other record (phone vs mobile). */
  | { readonly name: string; readonly kind: 'exact_any'; readonly fields: readonly string[] }
  /** Jaro-Winkler on the folded field, only between records with the same block values and name prefix. */
  | {
      readonly name: string;
      readonly kind: 'fuzzy';
      readonly field: string;
      readonly compare: FuzzyCompare;
      /** At or above: merged. */
      readonly threshold: number;
      /** At or above (and below `threshold`): written to the review file, not merged. */
      readonly review: number | null;
      readonly block: readonly string[];
      /** Leading characters of the folded field that join the blocking key. */
      readonly blockPrefix: number;
    };

export interface SurvivorPriority {
  readonly field: string;
  readonly order: readonly string[];
}

export type FieldRule = { readonly kind: FieldRuleName } | { readonly kind: 'concat'; readonly separator: string };

export interface DedupePlan {
  readonly rules: readonly DedupeRule[];
  /** Two different non-null values in one of these fields never merge, whatever a rule says. */
  readonly veto: readonly string[];
  readonly survivor: SurvivorRule;
  /** For `survivor: priority`: the field and its values, most trusted first (folded like exact keys). */
  readonly priority: SurvivorPriority | null;
  /** Field that orders records in time (`most_recent`, `newest_non_null`); null: legacy key order. */
  readonly orderBy: string | null;
  /** Per-field survivorship overrides. */
  readonly fields: Readonly<Record<string, FieldRule>>;
  /** A cluster never grows past this; a match that would is written for review instead. */
  readonly maxCluster: number;
  /** Records per match key considered as candidates; a key shared by more (a switchboard number) is skipped. */
  readonly maxCandidates: number;
  /** Where pairs to review are written, and decisions read back (absolute); `.csv` or `.xlsx`. */
  readonly reviewFile: string | null;
}

/** The section as written in YAML (already checked against mapping.schema.json). */
export interface RawDedupe {
  rules: RawRule[];
  veto?: string[];
  survivor?: SurvivorRule;
  priority?: { field: string; order: (string | number)[] };
  order_by?: string;
  fields?: Record<string, FieldRuleName | { concat: string }>;
  max_cluster?: number;
  max_candidates?: number;
  review_file?: string;
}

type RawRule =
  | { name?: string; exact: string[] }
  | { name?: string; exact_any: string[] }
  | { name?: string; fuzzy: string; compare?: FuzzyCompare; threshold: number; review?: number; block: string[]; block_prefix?: number };

/**
 * Checks what the JSON Schema cannot (fields exist in the mapping, review below threshold) and
 * returns the plan, or the problems as `[pointer, message]`.
 */
export function compileDedupe(raw: RawDedupe, mappedFields: readonly string[], resolvePath: (file: string) => string): { plan?: DedupePlan; problems: [string, string][] } {
  const problems: [string, string][] = [];
  const known = new Set(mappedFields);
  const checkField = (pointer: string, field: string) => {
    if (!known.has(field)) problems.push([pointer, `\`${field}\` is not a field of this mapping (fields: ${mappedFields.join(', ')})`]);
  };
  const rules: DedupeRule[] = raw.rules.map((rule, index) => {
    const at = `/dedupe/rules/${index}`;
    if ('exact' in rule) {
      rule.exact.forEach((field, i) => checkField(`${at}/exact/${i}`, field));
      return { name: rule.name ?? `same ${rule.exact.join(' and ')}`, kind: 'exact', fields: rule.exact };
    }
    if ('exact_any' in rule) {
      rule.exact_any.forEach((field, i) => checkField(`${at}/exact_any/${i}`, field));
      return { name: rule.name ?? `same ${rule.exact_any.join(' or ')}`, kind: 'exact_any', fields: rule.exact_any };
    }
    checkField(`${at}/fuzzy`, rule.fuzzy);
    rule.block.forEach((field, i) => checkField(`${at}/block/${i}`, field));
    if (rule.review !== undefined && rule.review > rule.threshold) problems.push([`${at}/review`, `must not exceed \`threshold\` (${rule.threshold}), got ${rule.review}`]);
    return {
      name: rule.name ?? `similar ${rule.fuzzy}${rule.block.length > 0 ? ` in the same ${rule.block.join(' and ')}` : ''}`,
      kind: 'fuzzy',
      field: rule.fuzzy,
      compare: rule.compare ?? 'text',
      threshold: rule.threshold,
      review: rule.review ?? null,
      block: rule.block,
      blockPrefix: rule.block_prefix ?? 2,
    };
  });
  const names = new Set<string>();
  rules.forEach((rule, index) => {
    if (names.has(rule.name)) problems.push([`/dedupe/rules/${index}`, `rule name \`${rule.name}\` is used twice; give one a \`name\``]);
    names.add(rule.name);
  });
  (raw.veto ?? []).forEach((field, i) => checkField(`/dedupe/veto/${i}`, field));
  if (raw.order_by !== undefined) checkField('/dedupe/order_by', raw.order_by);
  const fields: Record<string, FieldRule> = {};
  for (const [field, rule] of Object.entries(raw.fields ?? {})) {
    checkField(`/dedupe/fields/${field}`, field);
    fields[field] = typeof rule === 'string' ? { kind: rule } : { kind: 'concat', separator: rule.concat };
  }
  const survivor = raw.survivor ?? 'most_recent';
  const priority = compilePriority(raw, survivor, checkField, problems);
  const orderBy = raw.order_by ?? null;
  if (orderBy === null && (survivor === 'most_recent' || Object.values(fields).some((f) => f.kind === 'newest_non_null' || f.kind === 'oldest_non_null'))) {
    problems.push(['/dedupe', '`order_by` is needed to tell which record is the most recent (e.g. `order_by: updated_at`)']);
  }
  if (problems.length > 0) return { problems };
  return {
    problems,
    plan: {
      rules,
      veto: raw.veto ?? [],
      survivor,
      priority,
      orderBy,
      fields,
      maxCluster: raw.max_cluster ?? 20,
      maxCandidates: raw.max_candidates ?? 200,
      reviewFile: raw.review_file ? resolvePath(raw.review_file) : null,
    },
  };
}

/** `priority` is read only with `survivor: priority`, and needs distinct values (a value listed twice has no rank). */
function compilePriority(raw: RawDedupe, survivor: SurvivorRule, checkField: (pointer: string, field: string) => void, problems: [string, string][]): SurvivorPriority | null {
  if (raw.priority === undefined) {
    if (survivor === 'priority') problems.push(['/dedupe', '`survivor: priority` needs `priority: { field, order }` (e.g. `priority: { field: status, order: [active, prospect] }`)']);
    return null;
  }
  if (survivor !== 'priority') {
    problems.push(['/dedupe/priority', `is only read with \`survivor: priority\`, but \`survivor\` is \`${survivor}\`; remove it or set \`survivor: priority\``]);
    return null;
  }
  checkField('/dedupe/priority/field', raw.priority.field);
  const order = raw.priority.order.map((value) => exactKey(value));
  order.forEach((value, index) => {
    if (order.indexOf(value) !== index) problems.push([`/dedupe/priority/order/${index}`, `\`${String(raw.priority!.order[index])}\` is already listed at position ${order.indexOf(value)} (values compare trimmed and case-insensitive)`]);
  });
  return { field: raw.priority.field, order };
}
