import { describe, expect, it } from 'vitest';
import { LEGACY_TABLE_NAMES, createTableSql, dateTimeColumns, legacySchemaSql } from '../../../scripts/legacy-crm/legacy-schema.js';

describe('legacy schema', () => {
  it('declares InnoDB utf8mb4 tables with the sync and lookup indexes and no foreign keys', () => {
    for (const table of LEGACY_TABLE_NAMES) {
      const sql = createTableSql(table);
      expect(sql).toContain('ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
      expect(sql).toContain('PRIMARY KEY (`id`)');
      expect(sql).toContain(`KEY \`idx_${table}_updated\` (\`updated_at\`, \`id\`)`);
      expect(sql).toContain('`deleted` TINYINT(1) NOT NULL DEFAULT 0');
      expect(sql).not.toMatch(/FOREIGN KEY|REFERENCES/i);
    }
    expect(createTableSql('opportunities')).toContain('KEY `idx_opportunities_customer` (`customer_id`)');
    expect(createTableSql('tickets')).toContain('KEY `idx_tickets_customer` (`customer_id`)');
    expect(legacySchemaSql()).toMatch(/DROP TABLE IF EXISTS `tickets`;\nCREATE TABLE `tickets`/);
  });

  it('escapes quotes in comments', () => {
    expect(createTableSql('customers')).toContain("COMMENT '''C-000123'', typed by hand on old rows'");
  });

  it('knows its DATETIME columns', () => {
    expect(dateTimeColumns('customers')).toEqual(['updated_at']);
    expect(dateTimeColumns('opportunities')).toEqual(['created_at', 'updated_at']);
    expect(dateTimeColumns('tickets')).toEqual(['opened_at', 'closed_at', 'updated_at']);
  });
});
