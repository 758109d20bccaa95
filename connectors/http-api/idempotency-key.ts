import { createHash } from 'node:crypto';

/**
 * A stable key for one request: the same scope (a run), module, operation, external ids and
 * content give the same key, so that a retried request (its answer lost to a timeout or a reset
 * connection) is recognised by the API and never acts twice. Sent as `Idempotency-Key`.
 * @example idempotencyKey({ scope: '12', module: 'Accounts', operation: 'upsert', ids: ['7', '9'], content: records })
 */
export function idempotencyKey(input: { scope: string; module: string; operation: string; ids: readonly string[]; content: unknown }): string {
  const contentHash = createHash('sha256').update(stableJson(input.content)).digest('hex');
  return createHash('sha256')
    .update(JSON.stringify([input.scope, input.module, input.operation, input.ids, contentHash]))
    .digest('hex')
    .slice(0, 40);
}

/** JSON with object keys sorted, so that equal content hashes equal whatever the key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return typeof v === 'bigint' ? v.toString() : v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
