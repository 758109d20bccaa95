/**
 * The sink contract's two tables (test/contract/sink-contract.ts) in PostgreSQL DDL, shared by the
 * PostgreSQL and PGlite fixtures, and how their rows read back as {@link StoredRow}s.
 */
import type { StoredRow } from '../contract/sink-contract.js';
import type { ChildTarget } from '../../connectors/sink.js';
import type { TargetTable } from '../../connectors/types.js';

export const PG_CONTRACT_PARENT: TargetTable = { table: 'contract_customers', key: 'legacy_id', id: 'id' };
export const PG_CONTRACT_CHILD: ChildTarget = { table: 'contract_orders', key: 'legacy_id', id: 'id', field: 'customer_id' };

/**
 * Customers by UUID, orders by bigint: the two id kinds a PostgreSQL target hands out.
 * @param keyCollation of the customers' legacy key: a linguistic one (`und-x-icu`) makes the
 * content probe page keys in byte order against the column's own order.
 */
export function pgContractDdl(keyCollation?: string): string {
  const collate = keyCollation === undefined ? '' : ` COLLATE "${keyCollation}"`;
  return `
CREATE TABLE contract_customers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  legacy_id   text${collate} NOT NULL UNIQUE,
  name        varchar(40) NOT NULL,
  email       varchar(120) UNIQUE,
  amount      numeric(12,2),
  active      boolean,
  born        date,
  seen_at     timestamptz(3),
  profile     jsonb,
  code        char(4),
  archived_at timestamptz(3)
);
CREATE TABLE contract_orders (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  legacy_id   text NOT NULL UNIQUE,
  customer_id uuid REFERENCES contract_customers (id),
  note        text
);`;
}

export const PG_CONTRACT_DROP = 'DROP TABLE IF EXISTS contract_orders; DROP TABLE IF EXISTS contract_customers;';

/**
 * The statement that reads a table back: ids as text, dates as `yyyy-MM-dd`, instants as epoch
 * milliseconds (whatever the session's time zone and the driver's type parsers make of them).
 */
export function pgContractSelect(table: 'parent' | 'child'): string {
  return table === 'parent'
    ? `SELECT id::text AS id, legacy_id, name, email, amount::text AS amount, active, to_char(born, 'YYYY-MM-DD') AS born,
         (extract(epoch FROM seen_at) * 1000)::bigint::text AS seen_at, profile::text AS profile, code,
         (extract(epoch FROM archived_at) * 1000)::bigint::text AS archived_at
       FROM contract_customers`
    : 'SELECT id::text AS id, legacy_id, customer_id::text AS customer_id, note FROM contract_orders';
}

/** A row of {@link pgContractSelect} as the suite compares it. */
export function pgContractRow(row: Record<string, unknown>): StoredRow {
  const stored: Record<string, unknown> = { ...row };
  for (const column of ['seen_at', 'archived_at']) {
    if (column in stored) stored[column] = stored[column] === null ? null : new Date(Number(stored[column]));
  }
  if ('profile' in stored) stored.profile = stored.profile === null ? null : JSON.parse(String(stored.profile));
  return stored as StoredRow;
}
