/**
 * Seeds the generated legacy CRM into MariaDB and reads it back: counts, byte-exact text (ticket
 * bodies with quotes, CRLF, Chinese and emoji), wall-clock DATETIMEs, and the indexes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateLegacyCrm, type LegacyCrm } from '../../scripts/legacy-crm/generate.js';
import { formatDateTime } from '../../scripts/legacy-crm/legacy-clock.js';
import { seedLegacyMysql, type SeedSummary } from '../../scripts/seed-legacy-mysql.js';
import { createMysqlDatabase, describeWith, uniqueName, withMysqlAdmin, type TestDatabase } from '../support/databases.js';
import { MYSQL_ADMIN_URL } from '../support/services.js';

type Rows = Record<string, unknown>[];

describeWith(['mysql'])('seedLegacyMysql (MariaDB)', () => {
  let db: TestDatabase;
  let crm: LegacyCrm;
  let summary: SeedSummary;
  const missing = uniqueName('cutover_seed_new');
  const query = async (sql: string, params: unknown[] = []) => withMysqlAdmin(async (connection) => (await connection.query(sql, params))[0] as Rows, db.url);

  beforeAll(async () => {
    db = await createMysqlDatabase('cutover_seed');
    crm = generateLegacyCrm();
    summary = await seedLegacyMysql(db.url);
  });

  afterAll(async () => {
    await db?.drop();
    await withMysqlAdmin((connection) => connection.query(`DROP DATABASE IF EXISTS \`${missing}\``));
  });

  it('inserts every row and reports the counts', async () => {
    expect(summary.counts).toEqual({ customers: 5000, opportunities: 8000, tickets: 12000 });
    expect(summary.database).toBe(db.name);
    expect(summary.endpoint).toMatch(new RegExp(`:3306/${db.name}$`));
    for (const table of ['customers', 'opportunities', 'tickets'] as const) {
      const [count] = await query(`SELECT COUNT(*) AS n, SUM(deleted) AS deleted, MIN(id) AS first, MAX(id) AS last FROM ${table}`);
      expect(Number(count!.n)).toBe(summary.counts[table]);
      expect(Number(count!.deleted)).toBe(summary.groundTruth[table].softDeleted.length);
      expect([Number(count!.first), Number(count!.last)]).toEqual([1, summary.counts[table]]);
    }
    expect(summary.groundTruth).toEqual(crm.groundTruth());
  });

  it('round-trips a ticket body with quotes, newlines, Chinese and emoji byte for byte', async () => {
    const tickets = [...crm.tickets()];
    const nasty = tickets.find((row) => row.body !== null && /"/.test(row.body) && /\r\n/.test(row.body) && /[\u4e00-\u9fff]/.test(row.body) && /\p{Extended_Pictographic}/u.test(row.body));
    expect(nasty).toBeDefined();
    const [stored] = await query('SELECT HEX(body) AS hex, LENGTH(body) AS bytes FROM tickets WHERE id = ?', [nasty!.id]);
    expect(stored!.hex).toBe(Buffer.from(nasty!.body!, 'utf8').toString('hex').toUpperCase());
    expect(Number(stored!.bytes)).toBe(Buffer.byteLength(nasty!.body!));

    const bodies = await query('SELECT id, body FROM tickets ORDER BY id');
    const differing = bodies.filter((row) => row.body !== tickets[Number(row.id) - 1]!.body).map((row) => row.id);
    expect(differing).toEqual([]);
  });

  it('stores text, codes and wall-clock DATETIMEs as generated', async () => {
    const customers = await query('SELECT id, name, email, status, created_at, CAST(updated_at AS CHAR) AS updated_at, notes FROM customers ORDER BY id');
    const differing = customers.filter((row) => {
      const generated = crm.customers[Number(row.id) - 1]!;
      return row.name !== generated.name || row.email !== generated.email || row.status !== generated.status || row.created_at !== generated.created_at || row.updated_at !== formatDateTime(generated.updated_at.getTime()) || row.notes !== generated.notes;
    });
    expect(differing.map((row) => row.id)).toEqual([]);

    const opportunity = [...crm.opportunities()].find((row) => row.amount?.endsWith(' €') && row.created_at !== null)!;
    const [storedOpportunity] = await query('SELECT amount, currency, stage, close_date, CAST(created_at AS CHAR) AS created_at FROM opportunities WHERE id = ?', [opportunity.id]);
    expect(storedOpportunity).toEqual({ amount: opportunity.amount, currency: opportunity.currency, stage: opportunity.stage, close_date: opportunity.close_date, created_at: formatDateTime(opportunity.created_at!.getTime()) });

    const statuses = await query('SELECT status, COUNT(*) AS n FROM tickets GROUP BY status ORDER BY status');
    expect(statuses.map((row) => Number(row.status))).toEqual([1, 2, 3, 4, 5, 7, 9]);
    const [anonymous] = await query('SELECT COUNT(*) AS n FROM tickets WHERE customer_id IS NULL');
    expect(Number(anonymous!.n)).toBe([...crm.tickets()].filter((row) => row.customer_id === null).length);
  });

  it('creates the tables with their keys, InnoDB and utf8mb4, without foreign keys', async () => {
    for (const table of ['customers', 'opportunities', 'tickets']) {
      const [created] = await query(`SHOW CREATE TABLE ${table}`);
      const sql = String(created!['Create Table']);
      expect(sql).toContain('PRIMARY KEY (`id`)');
      expect(sql).toContain(`KEY \`idx_${table}_updated\` (\`updated_at\`,\`id\`)`);
      expect(sql).toMatch(/ENGINE=InnoDB/);
      expect(sql).toMatch(/CHARSET=utf8mb4/);
      expect(sql).not.toMatch(/FOREIGN KEY/);
      if (table !== 'customers') expect(sql).toContain(`KEY \`idx_${table}_customer\` (\`customer_id\`)`);
    }
  });

  it('creates a missing database, and re-creates the tables on a second run', async () => {
    const url = new URL(MYSQL_ADMIN_URL);
    url.pathname = `/${missing}`;
    const options = { seed: 9, customers: 120, opportunities: 80, tickets: 90 };
    const first = await seedLegacyMysql(url.toString(), { ...options, batchRows: 7, statementsPerTransaction: 3 });
    expect(first.counts).toEqual({ customers: 120, opportunities: 80, tickets: 90 });
    const second = await seedLegacyMysql(url.toString(), options);
    expect(second.counts).toEqual(first.counts);
    expect(second.groundTruth).toEqual(first.groundTruth);
  });
});
