/**
 * The legacy CRM's MySQL schema (`legacy_crm`) and the row shapes the generator produces. Modelled
 * on an in-house CRM in the SugarCRM 6.5 style: soft-delete flags, free-text fields where a typed
 * column belonged, no foreign keys (only indexes). The export files use the same column names, so
 * one mapping file reads both the database and the export.
 */

/**
 * A DATETIME value is a `Date` whose UTC fields carry the legacy server's wall-clock time
 * (Asia/Shanghai): `2019-03-05 14:22:10` is `new Date(Date.UTC(2019, 2, 5, 14, 22, 10))`.
 */
export type WallClock = Date;

/** Legacy soft-delete flag, TINYINT(1). */
export type DeletedFlag = 0 | 1;

/** One `customers` row (a company account with its main contact). */
export type CustomerRow = {
  readonly id: number;
  readonly customer_no: string;
  readonly name: string;
  readonly contact_first_name: string | null;
  readonly contact_last_name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly mobile: string | null;
  readonly country: string | null;
  readonly province: string | null;
  readonly city: string | null;
  readonly address: string | null;
  readonly industry: string | null;
  readonly status: string;
  readonly annual_revenue: string | null;
  readonly employees: string | null;
  readonly created_at: string | null;
  readonly updated_at: WallClock;
  readonly deleted: DeletedFlag;
  readonly notes: string | null;
};

/** One `opportunities` row. */
export type OpportunityRow = {
  readonly id: number;
  readonly customer_id: number | null;
  readonly name: string;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly stage: string;
  readonly probability: number | null;
  readonly close_date: string | null;
  readonly owner: string | null;
  readonly created_at: WallClock | null;
  readonly updated_at: WallClock;
  readonly deleted: DeletedFlag;
};

/** One `tickets` row. */
export type TicketRow = {
  readonly id: number;
  readonly ticket_no: string;
  readonly customer_id: number | null;
  readonly subject: string;
  readonly body: string | null;
  readonly status: number;
  readonly priority: string | null;
  readonly channel: string | null;
  readonly contact_email: string | null;
  readonly opened_at: WallClock;
  readonly closed_at: WallClock | null;
  readonly updated_at: WallClock;
  readonly deleted: DeletedFlag;
};

export const LEGACY_TABLE_NAMES = ['customers', 'opportunities', 'tickets'] as const;
export type LegacyTableName = (typeof LEGACY_TABLE_NAMES)[number];

export interface LegacyColumn {
  readonly name: string;
  /** MySQL column type and nullability, e.g. `VARCHAR(150) NOT NULL`. */
  readonly type: string;
  readonly comment?: string;
}

export interface LegacyTable {
  readonly name: LegacyTableName;
  readonly comment: string;
  readonly columns: readonly LegacyColumn[];
  /** Secondary indexes, `KEY name (cols)`. There are no foreign keys, as in the original. */
  readonly keys: readonly string[];
}

const ID = { name: 'id', type: 'INT UNSIGNED NOT NULL AUTO_INCREMENT' } as const;
const DELETED = { name: 'deleted', type: 'TINYINT(1) NOT NULL DEFAULT 0', comment: 'soft delete: 1 = deleted in the UI, row kept' } as const;

/** The three tables, columns in file and DDL order. */
export const LEGACY_TABLES: Readonly<Record<LegacyTableName, LegacyTable>> = {
  customers: {
    name: 'customers',
    comment: 'Company accounts with their main contact',
    columns: [
      ID,
      { name: 'customer_no', type: 'VARCHAR(20) NOT NULL', comment: "'C-000123', typed by hand on old rows" },
      { name: 'name', type: 'VARCHAR(150) NOT NULL', comment: 'company name, Chinese or Latin' },
      { name: 'contact_first_name', type: 'VARCHAR(50) NULL' },
      { name: 'contact_last_name', type: 'VARCHAR(50) NULL' },
      { name: 'email', type: 'VARCHAR(120) NULL', comment: "not validated; 'n/a', '-' and '' mean none" },
      { name: 'phone', type: 'VARCHAR(40) NULL', comment: 'free format' },
      { name: 'mobile', type: 'VARCHAR(40) NULL', comment: 'free format' },
      { name: 'country', type: 'VARCHAR(40) NULL', comment: "free text: '中国', 'China', 'PRC', 'CN', …" },
      { name: 'province', type: 'VARCHAR(40) NULL' },
      { name: 'city', type: 'VARCHAR(60) NULL' },
      { name: 'address', type: 'VARCHAR(255) NULL' },
      { name: 'industry', type: 'VARCHAR(60) NULL' },
      { name: 'status', type: 'VARCHAR(4) NOT NULL', comment: 'A active, I inactive, P prospect, L lead' },
      { name: 'annual_revenue', type: 'VARCHAR(40) NULL', comment: 'free text with currency and separators' },
      { name: 'employees', type: 'VARCHAR(10) NULL', comment: 'free text' },
      { name: 'created_at', type: 'VARCHAR(32) NULL', comment: 'free text in several formats; naive values are Asia/Shanghai' },
      { name: 'updated_at', type: 'DATETIME NOT NULL', comment: 'sync cursor, server local time (Asia/Shanghai)' },
      DELETED,
      { name: 'notes', type: 'TEXT NULL' },
    ],
    keys: ['KEY `idx_customers_updated` (`updated_at`, `id`)'],
  },
  opportunities: {
    name: 'opportunities',
    comment: 'Sales opportunities',
    columns: [
      ID,
      { name: 'customer_id', type: 'INT UNSIGNED NULL', comment: 'customers.id, not enforced' },
      { name: 'name', type: 'VARCHAR(100) NOT NULL' },
      { name: 'amount', type: 'VARCHAR(40) NULL', comment: 'free text with currency and separators' },
      { name: 'currency', type: 'VARCHAR(8) NULL', comment: "'CNY', 'RMB', '¥', 'USD', '$', 'EUR', '€', 'JPY'" },
      { name: 'stage', type: 'VARCHAR(24) NOT NULL', comment: "'01-PROSPECTING' … '06-CLOSED LOST'" },
      { name: 'probability', type: 'INT NULL', comment: 'percent, 0..100' },
      { name: 'close_date', type: 'VARCHAR(20) NULL', comment: 'free-text date' },
      { name: 'owner', type: 'VARCHAR(60) NULL', comment: 'sales rep name' },
      { name: 'created_at', type: 'DATETIME NULL' },
      { name: 'updated_at', type: 'DATETIME NOT NULL', comment: 'sync cursor, server local time (Asia/Shanghai)' },
      DELETED,
    ],
    keys: ['KEY `idx_opportunities_updated` (`updated_at`, `id`)', 'KEY `idx_opportunities_customer` (`customer_id`)'],
  },
  tickets: {
    name: 'tickets',
    comment: 'Support tickets',
    columns: [
      ID,
      { name: 'ticket_no', type: 'VARCHAR(20) NOT NULL', comment: "'T-2019-000123'" },
      { name: 'customer_id', type: 'INT UNSIGNED NULL', comment: 'customers.id, not enforced; NULL for anonymous web tickets' },
      { name: 'subject', type: 'VARCHAR(200) NOT NULL' },
      { name: 'body', type: 'TEXT NULL' },
      { name: 'status', type: 'TINYINT NOT NULL', comment: '1 new, 2 open, 3 pending, 4 resolved, 5 closed' },
      { name: 'priority', type: 'CHAR(1) NULL', comment: 'L, M, H, U (urgent)' },
      { name: 'channel', type: 'VARCHAR(20) NULL' },
      { name: 'contact_email', type: 'VARCHAR(120) NULL' },
      { name: 'opened_at', type: 'DATETIME NOT NULL' },
      { name: 'closed_at', type: 'DATETIME NULL' },
      { name: 'updated_at', type: 'DATETIME NOT NULL', comment: 'sync cursor, server local time (Asia/Shanghai)' },
      DELETED,
    ],
    keys: ['KEY `idx_tickets_updated` (`updated_at`, `id`)', 'KEY `idx_tickets_customer` (`customer_id`)'],
  },
};

/** At most `limit` characters (code points, as MySQL counts them), cut at the end. */
export function fitText(text: string, limit: number): string {
  // UTF-16 length is at least the code-point count: short text needs no splitting.
  return text.length <= limit ? text : [...text].slice(0, limit).join('');
}

/** Column names of a table, in DDL and file order. */
export function columnNames(table: LegacyTableName): readonly string[] {
  return LEGACY_TABLES[table].columns.map((column) => column.name);
}

/** Columns whose values are {@link WallClock} dates (DATETIME). */
export function dateTimeColumns(table: LegacyTableName): readonly string[] {
  return LEGACY_TABLES[table].columns.filter((column) => column.type.startsWith('DATETIME')).map((column) => column.name);
}

/** `CREATE TABLE` for one table: InnoDB, utf8mb4 (bodies carry emoji). */
export function createTableSql(table: LegacyTableName): string {
  const { columns, keys, comment } = LEGACY_TABLES[table];
  const lines = [
    ...columns.map((column) => `  \`${column.name}\` ${column.type}${column.comment ? ` COMMENT ${sqlString(column.comment)}` : ''}`),
    '  PRIMARY KEY (`id`)',
    ...keys.map((key) => `  ${key}`),
  ];
  return `CREATE TABLE \`${table}\` (\n${lines.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT=${sqlString(comment)}`;
}

/** The whole schema as a script, for people who want to read or load it by hand. */
export function legacySchemaSql(): string {
  return LEGACY_TABLE_NAMES.map((table) => `DROP TABLE IF EXISTS \`${table}\`;\n${createTableSql(table)};\n`).join('\n');
}

function sqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
