/**
 * Deletions in the state (deletion-store.ts) in the id map of a PostgreSQL or PGlite database:
 * status `deleted`, `pending_action` and the reason a target refused in `detail`.
 */
import { sql } from 'kysely';
import type { StateTransaction } from '../../connectors/sink.js';
import { PgStateTables } from './pg-state-tables.js';
import type { OnDelete } from '../../transforms/entity-mapping.js';
import type { DeletionStore, PendingAction } from './deletion-store.js';

export class PgDeletionStore extends PgStateTables implements DeletionStore {
  async liveKeysPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; ownsRow: boolean }[]> {
    const { rows } = await sql<{ legacy_key: string; owns_row: boolean }>`
      SELECT legacy_key, owns_row FROM ${this.table('id_map')}
       WHERE entity = ${entity} AND status <> 'deleted' AND (${after}::text IS NULL OR legacy_key > ${after})
       ORDER BY legacy_key LIMIT ${limit}`.execute(this.db);
    return rows.map((row) => ({ legacyKey: row.legacy_key, ownsRow: row.owns_row }));
  }

  async markSourceDeleted(tx: StateTransaction, runId: number, entity: string, keys: readonly string[], onDelete: OnDelete): Promise<number> {
    if (keys.length === 0) return 0;
    const action = onDelete === 'ignore' ? null : onDelete;
    // Only keys not yet marked count: a retried transaction that had committed adds nothing.
    const { rows } = await sql<{ n: string }>`WITH marked AS (
        UPDATE ${this.table('id_map')} SET status = 'deleted', detail = 'deleted in the legacy CRM (no longer in the source)',
          pending_action = CASE WHEN owns_row THEN ${action}::text END, run_id = ${runId}, updated_at = now()
        WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[]) AND status <> 'deleted' RETURNING 1)
      SELECT count(*)::text AS n FROM marked`.execute(tx.db);
    await sql`DELETE FROM ${this.table('rejects')} WHERE entity = ${entity} AND legacy_key = ANY(${[...keys]}::text[])`.execute(tx.db);
    return Number(rows[0]?.n ?? 0);
  }

  async pendingActionsPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; targetId: string }[]> {
    const { rows } = await sql<{ legacy_key: string; target_id: string }>`
      SELECT legacy_key, target_id FROM ${this.table('id_map')}
       WHERE entity = ${entity} AND pending_action IS NOT NULL AND (${after}::text IS NULL OR legacy_key > ${after})
       ORDER BY legacy_key LIMIT ${limit}`.execute(this.db);
    return rows.map((row) => ({ legacyKey: row.legacy_key, targetId: row.target_id }));
  }

  async pendingActionCount(entity: string): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${this.table('id_map')} WHERE entity = ${entity} AND pending_action IS NOT NULL`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }

  async settlePending(tx: StateTransaction, entity: string, done: readonly { legacyKey: string; action: PendingAction }[]): Promise<number> {
    if (done.length === 0) return 0;
    const { rows } = await sql<{ n: string }>`WITH settled AS (
        UPDATE ${this.table('id_map')} AS m SET pending_action = NULL, owns_row = (u.a = 'archive'),
          target_id = CASE WHEN u.a = 'archive' THEN m.target_id END, updated_at = now()
        FROM unnest(${done.map((d) => d.legacyKey)}::text[], ${done.map((d) => d.action)}::text[]) AS u(k, a)
        WHERE m.entity = ${entity} AND m.legacy_key = u.k AND m.pending_action IS NOT NULL RETURNING 1)
      SELECT count(*)::text AS n FROM settled`.execute(tx.db);
    return Number(rows[0]?.n ?? 0);
  }

  async notePendingRefused(tx: StateTransaction, entity: string, refused: readonly { legacyKey: string; reason: string }[]): Promise<void> {
    if (refused.length === 0) return;
    await sql`UPDATE ${this.table('id_map')} AS m SET detail = u.r, updated_at = now()
      FROM unnest(${refused.map((r) => r.legacyKey)}::text[], ${refused.map((r) => r.reason)}::text[]) AS u(k, r)
      WHERE m.entity = ${entity} AND m.legacy_key = u.k`.execute(tx.db);
  }
}
