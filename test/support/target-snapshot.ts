/**
 * What two migrations must agree on to be "the same": the example project's target tables and the
 * state, with every generated id replaced by the legacy key it stands for (two runs give the same
 * rows different UUIDs); and a digest of every table, to prove that a command changed nothing.
 */
import { queryPostgres as query } from './databases.js';

/** The example target, the id map, the merges and the rejects, ids replaced by legacy keys. */
export async function migrationSnapshot(url: string): Promise<Record<string, unknown[]>> {
  const legacyOf = (alias: string) => `(SELECT legacy_id FROM public.customers WHERE id = ${alias}.customer_id)`;
  return {
    customers: await query(url, "SELECT to_jsonb(c) - 'id' AS row FROM public.customers c ORDER BY legacy_id"),
    opportunities: await query(url, `SELECT (to_jsonb(o) - 'id') || jsonb_build_object('customer_id', ${legacyOf('o')}) AS row FROM public.opportunities o ORDER BY legacy_id`),
    tickets: await query(url, `SELECT (to_jsonb(t) - 'id') || jsonb_build_object('customer_id', ${legacyOf('t')}) AS row FROM public.tickets t ORDER BY legacy_id`),
    idMap: await query(
      url,
      `SELECT m.entity, m.legacy_key, m.status, m.owns_row, m.detail, m.pending_action,
              -- A child's hash covers its parent's generated id, which differs between two targets.
              CASE WHEN m.entity = 'customers' THEN m.row_hash END AS row_hash,
              coalesce(c.legacy_id, o.legacy_id, t.legacy_id) AS target_row
         FROM cutover.id_map m
         LEFT JOIN public.customers c ON m.entity = 'customers' AND c.id::text = m.target_id
         LEFT JOIN public.opportunities o ON m.entity = 'opportunities' AND o.id::text = m.target_id
         LEFT JOIN public.tickets t ON m.entity = 'tickets' AND t.id::text = m.target_id
        ORDER BY m.entity, m.legacy_key`,
    ),
    merges: await query(url, 'SELECT entity, legacy_key, anchor_key, rule, score FROM cutover.merges ORDER BY entity, legacy_key'),
    dedupeRecords: await query(url, 'SELECT entity, legacy_key, anchor_key FROM cutover.dedupe_records ORDER BY entity, legacy_key'),
    decisions: await query(url, 'SELECT entity, key_a, key_b, decision FROM cutover.review_pairs WHERE decision IS NOT NULL ORDER BY entity, key_a, key_b'),
    rejects: await query(url, 'SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key, stage'),
  };
}

/** Every table of the database, schema-qualified, with a digest of its rows: equal digests, nothing written. */
export async function tableDigests(url: string): Promise<Record<string, string>> {
  const tables = await query(url, "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
  const digests: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await query(url, `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${String(name)} t`);
    digests[String(name)] = `${String(row!.n)} rows ${String(row!.digest)}`;
  }
  return digests;
}
