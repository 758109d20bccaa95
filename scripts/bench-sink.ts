#!/usr/bin/env node
/**
 * `npm run bench:sink`: the PostgreSQL sink's upsert alone, on the same generated rows, by the two
 * paths: the multi-row `INSERT … ON CONFLICT` of pg-upsert.ts (PGlite's path, PostgreSQL's before
 * issue 7) and COPY into a staging table + one `INSERT … SELECT` (PostgreSQL's path now). Each path
 * loads the rows into its own empty table, then upserts them again (all updates); the runs
 * alternate so that a busy machine penalises both alike.
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parseConnectionUrl } from '../connectors/connection-url.js';
import { postgresConnector } from '../connectors/postgres/postgres-connector.js';
import type { PostgresSink } from '../connectors/postgres/postgres-sink.js';
import { upsertRows } from '../connectors/sql/pg-upsert.js';
import { withSavepoint } from '../connectors/sql/savepoint.js';
import type { Row, TargetTable } from '../connectors/types.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { fmt, log, withDatabase, withPg } from './bench-support.js';

const DDL = (table: string) => `CREATE TABLE ${table} (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), legacy_id text NOT NULL UNIQUE, customer_no text, name text NOT NULL,
  contact text, email text, phone text, mobile text, country char(2), city text, address text, industry text,
  status text NOT NULL, annual_revenue numeric(18, 2), employees integer, created_at timestamptz, updated_at timestamptz NOT NULL, notes text)`;

function generate(count: number, salt: string): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    legacy_id: String(i + 1),
    customer_no: `C${String(i).padStart(8, '0')}`,
    name: `Company ${i} ${salt} (Shanghai) Co., Ltd.`,
    contact: `张 ${i % 977}`,
    email: i % 7 === 0 ? null : `buyer${i}@example${i % 101}.com`,
    phone: `+86213${String(i).padStart(8, '0')}`,
    mobile: i % 3 === 0 ? null : `+86138${String(i).padStart(8, '0')}`,
    country: 'CN',
    city: ['Shanghai', 'Beijing', 'Shenzhen'][i % 3]!,
    address: `${i % 500} Nanjing Road\tBuilding ${i % 40}`,
    industry: 'Manufacturing',
    status: 'active',
    annual_revenue: `${i * 13}.50`,
    employees: i % 5000,
    created_at: '2019-03-05T06:22:10.000Z',
    updated_at: '2021-11-23T19:47:38.123Z',
    notes: i % 4 === 0 ? `line one\nline two ${salt}` : null,
  }));
}

async function timed(sink: PostgresSink, target: TargetTable, rows: readonly Row[], batch: number, path: 'insert' | 'copy'): Promise<{ seconds: number; cpu: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    // Both under one savepoint, as the writer's upsert puts a batch (to isolate refused rows).
    await sink.write(async (writer) => {
      if (path === 'copy') await writer.upsert(target, chunk);
      else await withSavepoint(writer.state!.db, () => upsertRows(writer.state!.db, target, chunk, 65_535));
    });
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '2000' },
      postgres: { type: 'string', default: process.env.CUTOVER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    },
  });
  const count = Number(values.rows);
  const batch = Number(values.batch);
  const name = `cutover_benchsink_${process.pid}`;
  await withPg(values.postgres, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = parseConnectionUrl(withDatabase(values.postgres, name));
  const sink = await postgresConnector.createSink!(postgresConnector.parseConfig(url, { baseDir: '.' }));
  try {
    const table: string[][] = [];
    for (const [index, path] of (['insert', 'copy', 'insert', 'copy'] as const).entries()) {
      const round = index < 2 ? 1 : 2;
      const target: TargetTable = { table: `t_${path}_${round}`, key: 'legacy_id', id: 'id' };
      await sql.raw(DDL(target.table)).execute(sink.db);
      for (const [phase, salt] of [['insert', 'a'], ['update', 'b']] as const) {
        const rows = generate(count, salt);
        const { seconds, cpu } = await timed(sink, target, rows, batch, path);
        log(`  ${path} path, ${phase}s (round ${round}): ${seconds.toFixed(1)} s`);
        table.push([`${path === 'copy' ? 'COPY + INSERT … SELECT' : 'multi-row INSERT'}`, phase, String(round), seconds.toFixed(2), fmt(count / seconds), (cpu / seconds).toFixed(2)]);
      }
    }
    process.stdout.write(`\n${renderTable(['path', 'rows are', 'round', 'seconds', 'rows/s', 'CPU cores'], table)}\n`);
    return 0;
  } finally {
    await sink.close();
    await withPg(values.postgres, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench:sink: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
