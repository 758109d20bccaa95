/**
 * Matching records: a small profile per record (the folded values the rules compare), the index
 * keys that find candidates (exact values, blocking keys: never all pairs), and the decision for a
 * pair. Pure: the runner keeps profiles and keys in the state so that later runs match against
 * everything loaded before without reading the target.
 */
import type { DedupePlan, DedupeRule } from './dedupe-plan.js';
import { exactKey, foldCompanyName, foldText } from './normalize.js';
import { jaroWinkler } from './similarity.js';

/** Folded values by field (exact and veto fields) and by fuzzy rule name. JSON-safe. */
export interface MatchProfile {
  readonly values: Readonly<Record<string, string>>;
  readonly fuzzy: Readonly<Record<string, string>>;
}

export type MatchDecision = 'merge' | 'review' | 'distinct';

export interface PairVerdict {
  readonly decision: MatchDecision;
  /** The rule that decided (or came closest). */
  readonly rule: string | null;
  readonly score: number;
  /** A veto field whose values differ. */
  readonly vetoedBy?: string;
}

const SEPARATOR = '\u001f';

export function profileOf(plan: DedupePlan, values: Readonly<Record<string, unknown>>): MatchProfile {
  const exact: Record<string, string> = {};
  const fields = new Set([...plan.veto, ...plan.rules.flatMap((rule) => (rule.kind === 'fuzzy' ? rule.block : rule.fields))]);
  for (const field of fields) {
    const key = exactKey(values[field]);
    if (key !== '') exact[field] = key;
  }
  const fuzzy: Record<string, string> = {};
  for (const rule of plan.rules) {
    if (rule.kind !== 'fuzzy') continue;
    const folded = rule.compare === 'company_name' ? foldCompanyName(values[rule.field]) : foldText(values[rule.field]);
    if (folded !== '') fuzzy[rule.name] = folded;
  }
  return { values: exact, fuzzy };
}

/** Index keys of a record: one per exact value, one blocking key per fuzzy rule. Prefixed by the rule's position. */
export function matchKeysOf(plan: DedupePlan, profile: MatchProfile): string[] {
  const keys = new Set<string>();
  plan.rules.forEach((rule, index) => {
    for (const key of ruleKeys(rule, profile)) keys.add(`${index}${SEPARATOR}${key}`);
  });
  return [...keys];
}

function ruleKeys(rule: DedupeRule, profile: MatchProfile): string[] {
  switch (rule.kind) {
    case 'exact': {
      const values = rule.fields.map((field) => profile.values[field]);
      return values.every((value) => value !== undefined) ? [values.join(SEPARATOR)] : [];
    }
    case 'exact_any':
      return rule.fields.flatMap((field) => (profile.values[field] === undefined ? [] : [profile.values[field]!]));
    case 'fuzzy': {
      const folded = profile.fuzzy[rule.name];
      const block = rule.block.map((field) => profile.values[field]);
      if (folded === undefined || block.some((value) => value === undefined)) return [];
      return [[...block, Array.from(folded).slice(0, rule.blockPrefix).join('')].join(SEPARATOR)];
    }
  }
}

/** The verdict for a pair: a veto wins, then the first exact rule that matches, then the best fuzzy score. */
export function compareProfiles(plan: DedupePlan, a: MatchProfile, b: MatchProfile): PairVerdict {
  for (const field of plan.veto) {
    const left = a.values[field];
    const right = b.values[field];
    if (left !== undefined && right !== undefined && left !== right) return { decision: 'distinct', rule: null, score: 0, vetoedBy: field };
  }
  let best: PairVerdict = { decision: 'distinct', rule: null, score: 0 };
  for (const rule of plan.rules) {
    if (rule.kind === 'exact' || rule.kind === 'exact_any') {
      const left = ruleKeys(rule, a);
      if (left.length > 0 && ruleKeys(rule, b).some((key) => left.includes(key))) return { decision: 'merge', rule: rule.name, score: 1 };
      continue;
    }
    const leftBlock = ruleKeys(rule, a)[0];
    if (leftBlock === undefined || leftBlock !== ruleKeys(rule, b)[0]) continue;
    const score = jaroWinkler(a.fuzzy[rule.name]!, b.fuzzy[rule.name]!);
    const decision: MatchDecision = score >= rule.threshold ? 'merge' : rule.review !== null && score >= rule.review ? 'review' : 'distinct';
    if (rank(decision) > rank(best.decision) || (decision === best.decision && score > best.score)) best = { decision, rule: rule.name, score };
  }
  return best;
}

function rank(decision: MatchDecision): number {
  return decision === 'merge' ? 2 : decision === 'review' ? 1 : 0;
}
