/**
 * Survivorship: the values a merged cluster's one target row carries. A base record is chosen
 * (`most_recent` by `order_by`, `most_complete`: most non-null fields, or `priority`: the most
 * trusted value of a field, then the most recent), ties broken by legacy key so every run chooses
 * the same; then per-field rules override single fields.
 */
import type { DedupePlan, SurvivorPriority } from './dedupe-plan.js';
import { exactKey } from './normalize.js';

export interface ClusterMember {
  readonly key: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** The record whose values a cluster's target row starts from (and, for a new cluster, whose key it keeps). */
export function survivorOf(plan: DedupePlan, members: readonly ClusterMember[]): ClusterMember {
  if (members.length === 0) throw new Error('survivorOf: a cluster has at least one member');
  if (plan.survivor === 'most_complete') return mostComplete(members);
  const byTime = [...members].sort((a, b) => compareOrder(plan, a, b));
  if (plan.survivor === 'priority' && plan.priority !== null) {
    const priority = plan.priority;
    // Stable sort: within one rank the order by time stays, so the last is the most recent.
    const byRank = byTime.sort((a, b) => rankOf(priority, b) - rankOf(priority, a));
    return byRank[byRank.length - 1]!;
  }
  return byTime[byTime.length - 1]!;
}

export function surviveCluster(plan: DedupePlan, members: readonly ClusterMember[]): Record<string, unknown> {
  const byTime = [...members].sort((a, b) => compareOrder(plan, a, b));
  const base = survivorOf(plan, members);
  const values: Record<string, unknown> = { ...base.values };
  for (const [field, rule] of Object.entries(plan.fields)) {
    const present = byTime.map((member) => member.values[field]).filter((value) => value !== null && value !== undefined && value !== '');
    switch (rule.kind) {
      case 'newest_non_null':
        values[field] = present.length > 0 ? present[present.length - 1] : null;
        break;
      case 'oldest_non_null':
        values[field] = present.length > 0 ? present[0] : null;
        break;
      case 'longest':
        values[field] = present.reduce<unknown>((longest, value) => (String(value).length > String(longest ?? '').length ? value : longest), null);
        break;
      case 'max':
      case 'min': {
        const sign = rule.kind === 'max' ? 1 : -1;
        // `>=`: of equal values (1.5 and 1.50) the newest is kept, as written.
        values[field] = present.reduce<unknown>((best, value) => (best === null || sign * compareValues(value, best) >= 0 ? value : best), null);
        break;
      }
      case 'concat':
        values[field] = present.length > 0 ? [...new Set(present.map(String))].join(rule.separator) : null;
        break;
    }
  }
  return values;
}

function mostComplete(members: readonly ClusterMember[]): ClusterMember {
  const filled = (member: ClusterMember) => Object.values(member.values).filter((value) => value !== null && value !== undefined && value !== '').length;
  return [...members].sort((a, b) => filled(b) - filled(a) || compareKeys(a.key, b.key))[0]!;
}

/** Position of a member's value in the priority order, 0 the most trusted; unlisted and missing values come last. */
function rankOf(priority: SurvivorPriority, member: ClusterMember): number {
  const rank = priority.order.indexOf(exactKey(member.values[priority.field]));
  return rank === -1 ? priority.order.length : rank;
}

/** Oldest first by `order_by` (a missing value counts as oldest), then by legacy key. */
function compareOrder(plan: DedupePlan, a: ClusterMember, b: ClusterMember): number {
  if (plan.orderBy !== null) {
    const left = a.values[plan.orderBy];
    const right = b.values[plan.orderBy];
    const leftMissing = left === null || left === undefined || left === '';
    const rightMissing = right === null || right === undefined || right === '';
    if (leftMissing !== rightMissing) return leftMissing ? -1 : 1;
    const order = leftMissing ? 0 : compareValues(left, right);
    if (order !== 0) return order;
  }
  return compareKeys(a.key, b.key);
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Numbers by value, also when written as text (decimals arrive as strings, and `9` < `10`);
 * anything else as text, which orders ISO timestamps (the form stored values take) in time.
 */
export function compareValues(a: unknown, b: unknown): number {
  const left = comparable(a);
  const right = comparable(b);
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const leftText = String(left);
  const rightText = String(right);
  return leftText < rightText ? -1 : leftText > rightText ? 1 : 0;
}

function comparable(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  const text = String(value).trim();
  return NUMBER_TEXT.test(text) ? Number(text) : text;
}

/** Numeric keys in number order, others as text. */
export function compareKeys(a: string, b: string): number {
  const left = Number(a);
  const right = Number(b);
  if (Number.isFinite(left) && Number.isFinite(right) && left !== right) return left - right;
  return a < b ? -1 : a > b ? 1 : 0;
}
