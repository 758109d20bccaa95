/**
 * Deletions in the state: legacy keys found gone from the source (status `deleted`), and target
 * rows waiting to be deleted or archived (`id_map.pending_action`) until the target accepts it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { OnDelete } from '../../transforms/entity-mapping.js';

type Executor = Kysely<any> | Transaction<any>;

/** What is still to be done to a key's target row because its legacy row was deleted. */
export type PendingAction = Exclude<OnDelete, 'ignore'>;

export class DeletionStore {
  readonly #db: Kysely<any>;
  readonly #schema: string;

  constructor(db: Kysely<any>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  #table(name: string) {
    return sql.table(`${this.#schema}.${name}`);
  }

  /** Keys the state holds for an entity, other than those already known deleted, after `after` in key order. */
  async liveKeysPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; ownsRow: boolean }[]> {
    const { rows } = await sql<{ legacy_key: string; owns_row: boolean }>`
      SELECT legacy_key, owns_row FROM ${this.#table('id_map')}
       WHERE entity = ${entity} AND status <> 'deleted' AND (${after}::text IS NULL OR legacy_key > ${after})
       ORDER BY legacy_key LIMIT ${limit}`.execute(this.#db);
    return rows.map((row) => ({ legacyKey: row.legacy_key, ownsRow: row.owns_row }));
  }

  /**
   * Legacy keys gone from the source: status `deleted`, their rejects dropped (the row is no longer
   * in scope), and the target row queued for `onDelete` when they own one.
   */
  async markSourceDeleted(tx: Executor, runId: number, entity: string, keys: readonly string[], onDelete: OnDelete): Promise<number> {
    if (keys.length === 0) return 0;
    const action = onDelete === 'ignore' ? null : onDelete;
    // Only keys not yet marked count: a retried transaction that had committed adds nothing.
    const { rows } = await sql<{ n: string }>`WITH marked AS (
        UPDATE ${this.#table('id_map')} SET status = 'deleted', detail = 'deleted in the legacy CRM (no longer in the source)',
          pending_action = CASE WHEN owns_row THEN ${action}::text END, run_id = ${runId}, updated_at = now()
        WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[]) AND status <> 'deleted' RETURNING 1)
      SELECT count(*)::text AS n FROM marked`.execute(tx);
    await sql`DELETE FROM ${this.#table('rejects')} WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[])`.execute(tx);
    return Number(rows[0]?.n ?? 0);
  }

  /** Keys whose target row waits for a delete or archive, after `after` in key order. */
  async pendingActionsPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; targetId: string }[]> {
    const { rows } = await sql<{ legacy_key: string; target_id: string }>`
      SELECT legacy_key, target_id FROM ${this.#table('id_map')}
       WHERE entity = ${entity} AND pending_action IS NOT NULL AND (${after}::text IS NULL OR legacy_key > ${after})
       ORDER BY legacy_key LIMIT ${limit}`.execute(this.#db);
    return rows.map((row) => ({ legacyKey: row.legacy_key, targetId: row.target_id }));
  }

  /** Keys whose target row waits for a delete or archive. */
  async pendingActionCount(entity: string): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${this.#table('id_map')} WHERE entity = ${entity} AND pending_action IS NOT NULL`.execute(this.#db);
    return Number(rows[0]?.n ?? 0);
  }

  /** Records that target rows were deleted (they no longer exist) or archived (they stay, flagged). */
  async settlePending(tx: Executor, entity: string, done: readonly { legacyKey: string; action: PendingAction }[]): Promise<void> {
    if (done.length === 0) return;
    await sql`UPDATE ${this.#table('id_map')} AS m SET pending_action = NULL, owns_row = (u.a = 'archive'),
        target_id = CASE WHEN u.a = 'archive' THEN m.target_id END, updated_at = now()
      FROM unnest(${done.map((d) => d.legacyKey)}::text[], ${done.map((d) => d.action)}::text[]) AS u(k, a)
      WHERE m.entity = ${entity} AND m.legacy_key = u.k`.execute(tx);
  }

  /** Notes why the target refused a delete; the action stays pending for the next run. */
  async notePendingRefused(tx: Executor, entity: string, refused: readonly { legacyKey: string; reason: string }[]): Promise<void> {
    if (refused.length === 0) return;
    await sql`UPDATE ${this.#table('id_map')} AS m SET detail = u.r, updated_at = now()
      FROM unnest(${refused.map((r) => r.legacyKey)}::text[], ${refused.map((r) => r.reason)}::text[]) AS u(k, r)
      WHERE m.entity = ${entity} AND m.legacy_key = u.k`.execute(tx);
  }
}
