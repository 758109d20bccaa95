/**
 * Survivorship: the values a merged cluster's one target row carries. A base record is chosen
 * (`most_recent` by `order_by`, or `most_complete`: most non-null fields), ties broken by legacy
 * key so every run chooses the same; then per-field rules override single fields.
 */
import type { DedupePlan } from './dedupe-plan.js';

export interface ClusterMember {
  readonly key: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** The record whose values a cluster's target row starts from (and, for a new cluster, whose key it keeps). */
export function survivorOf(plan: DedupePlan, members: readonly ClusterMember[]): ClusterMember {
  if (members.length === 0) throw new Error('survivorOf: a cluster has at least one member');
  if (plan.survivor === 'most_complete') return mostComplete(members);
  return [...members].sort((a, b) => compareOrder(plan, a, b))[members.length - 1]!;
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

/** Oldest first by `order_by`, then by legacy key. */
function compareOrder(plan: DedupePlan, a: ClusterMember, b: ClusterMember): number {
  if (plan.orderBy !== null) {
    const left = orderValue(a.values[plan.orderBy]);
    const right = orderValue(b.values[plan.orderBy]);
    if (left !== right) return left < right ? -1 : 1;
  }
  return compareKeys(a.key, b.key);
}

function orderValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Numeric keys in number order, others as text. */
export function compareKeys(a: string, b: string): number {
  const left = Number(a);
  const right = Number(b);
  if (Number.isFinite(left) && Number.isFinite(right) && left !== right) return left - right;
  return a < b ? -1 : a > b ? 1 : 0;
}
