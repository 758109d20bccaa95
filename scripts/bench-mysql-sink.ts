#!/usr/bin/env node
/**
 * The MySQL/MariaDB sink's upsert alone, on generated customer rows, by the ways it could take:
 * `INSERT … ON DUPLICATE KEY UPDATE` with a SELECT of the new ids after it (the default), the same
 * INSERT with MariaDB's `RETURNING`, each statement under a savepoint, other statement sizes,
 * and, for comparison only, `LOAD DATA LOCAL INFILE` into a staging table followed by one
 * `INSERT … SELECT … ON DUPLICATE KEY UPDATE`. Each way loads the rows into its own empty table,
 * then upserts them again (all updates).
 *
 * `node dist/scripts/bench-mysql-sink.js --rows 100000 [--batch 2000] [--rounds 2] [--load-data] [--mysql mysql://root@127.0.0.1:3306/test]`
 * Not a test: nothing here asserts a time.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { parseConnectionUrl } from '../connectors/connection-url.js';
import { mysqlConnector } from '../connectors/mysql/mysql-connector.js';
import type { MysqlSink } from '../connectors/mysql/mysql-sink.js';
import type { Row, TargetTable } from '../connectors/types.js';
import { renderTable } from '../pipelines/reports/text-table.js';
import { fmt, log, withDatabase, withMysql } from './bench-support.js';

const COLUMNS = ['legacy_id', 'customer_no', 'name', 'contact', 'email', 'phone', 'mobile', 'country', 'city', 'address', 'industry', 'status', 'annual_revenue', 'employees', 'created_at', 'updated_at', 'notes'] as const;

const DDL = (table: string) => `CREATE TABLE ${table} (
  id UUID NOT NULL DEFAULT UUID() PRIMARY KEY, legacy_id VARCHAR(64) COLLATE utf8mb4_bin NOT NULL UNIQUE, customer_no VARCHAR(20), name VARCHAR(200) NOT NULL,
  contact VARCHAR(100), email VARCHAR(200), phone VARCHAR(30), mobile VARCHAR(30), country CHAR(2), city VARCHAR(100), address VARCHAR(300), industry VARCHAR(100),
  status VARCHAR(20) NOT NULL, annual_revenue DECIMAL(18,2), employees INT, created_at DATETIME(3), updated_at DATETIME(3) NOT NULL, notes TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

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

interface Way {
  readonly name: string;
  readonly batch: number;
  upsert(target: TargetTable, rows: readonly Row[]): Promise<number>;
}

function sinkWay(name: string, sink: MysqlSink, batch: number): Way {
  return {
    name,
    batch,
    upsert: async (target, rows) => (await sink.write((w) => w.upsert(target, rows))).filter((o) => o.ok).length,
  };
}

/** LOAD DATA LOCAL INFILE into a temporary staging table, then one INSERT … SELECT with the sink's guard. Ids are read back as the sink would need them. */
function loadDataWay(pool: mysql.Pool, batch: number): Way {
  const list = COLUMNS.map((c) => `\`${c}\``).join(', ');
  const updates = COLUMNS.filter((c) => c !== 'legacy_id').map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(', ');
  const field = (value: unknown) => (value === null || value === undefined ? '\\N' : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
  const instant = (value: unknown) => (typeof value === 'string' ? new Date(value).toISOString().slice(0, 23).replace('T', ' ') : value);
  return {
    name: 'LOAD DATA into a staging table + INSERT … SELECT',
    batch,
    upsert: async (target, rows) => {
      const connection = await pool.getConnection();
      const t = `\`${target.table}\``;
      try {
        await connection.query("SET NAMES utf8mb4, sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'");
        await connection.query(`CREATE TEMPORARY TABLE IF NOT EXISTS stage_${target.table} SELECT ${list} FROM ${target.table} LIMIT 0`);
        await connection.query('START TRANSACTION');
        const text = rows.map((row) => COLUMNS.map((c) => field(c.endsWith('_at') ? instant(row[c]) : row[c])).join('\t')).join('\n');
        await connection.query({ sql: `LOAD DATA LOCAL INFILE 'rows' INTO TABLE stage_${target.table} CHARACTER SET utf8mb4 (${list})`, infileStreamFactory: () => Readable.from([Buffer.from(text)]) } as never);
        await connection.query(`SELECT legacy_id, id FROM ${target.table} WHERE legacy_id IN (SELECT legacy_id FROM stage_${target.table}) FOR UPDATE`);
        const [returned] = await connection.query(
          `INSERT INTO ${target.table} (${list}) SELECT ${list} FROM stage_${target.table} ON DUPLICATE KEY UPDATE ${t}.legacy_id = IF(CAST(${t}.legacy_id AS BINARY) <=> CAST(VALUES(legacy_id) AS BINARY), ${t}.legacy_id, 1/0), ${updates} RETURNING legacy_id, id`,
        );
        await connection.query(`DELETE FROM stage_${target.table}`);
        await connection.query('COMMIT');
        return (returned as unknown[]).length;
      } finally {
        connection.release();
      }
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '2' },
      'load-data': { type: 'boolean', default: false },
      // The server's process on this machine (`pidof mariadbd`): its CPU time per way is reported too,
      // a measure a busy machine disturbs less than the wall clock.
      'server-pid': { type: 'string' },
      mysql: { type: 'string', default: process.env.CUTOVER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
    },
  });
  const count = Number(values.rows);
  const batch = Number(values.batch);
  const name = `cutover_benchmysink_${process.pid}`;
  await withMysql(values.mysql, (c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`));
  const url = withDatabase(values.mysql, name);
  const sink = (await mysqlConnector.createSink!(mysqlConnector.parseConfig(parseConnectionUrl(url), { baseDir: '.' }))) as MysqlSink;
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  const ways: Way[] = [
    sinkWay('INSERT … ODKU, then SELECT the new ids, 2000 rows a statement (the default)', sink, batch),
    sinkWay('INSERT … ODKU … RETURNING (MariaDB)', sink.withChoices({ returning: true }), batch),
    sinkWay('each INSERT under a SAVEPOINT', sink.withChoices({ savepoints: true }), batch),
    sinkWay('500 rows a statement', sink.withChoices({ statementRows: 500 }), batch),
    sinkWay('10000 rows a statement and a write', sink.withChoices({ statementRows: 10_000 }), 10_000),
    ...(values['load-data'] ? [loadDataWay(pool, batch)] : []),
  ];
  try {
    // Rounds alternate the ways, so that a busy machine penalises all alike; the best round is the
    // least disturbed measure, the median the typical one.
    const seconds = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const serverPid = values['server-pid'];
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const [index, way] of ways.entries()) {
        const target: TargetTable = { table: `t${index}_${round}`, key: 'legacy_id', id: 'id' };
        await withMysql(url, (c) => c.query(DDL(target.table)));
        for (const [phase, salt] of [['insert', 'a'], ['update', 'b']] as const) {
          const rows = generate(count, salt);
          const started = performance.now();
          const ownCpu = process.cpuUsage();
          const serverCpu = serverPid ? await processCpuSeconds(serverPid) : 0;
          let written = 0;
          for (let start = 0; start < rows.length; start += way.batch) written += await way.upsert(target, rows.slice(start, start + way.batch));
          const took = (performance.now() - started) / 1000;
          if (written !== count) throw new Error(`${way.name}: ${written} of ${count} rows written`);
          log(`  ${way.name}, ${phase}s (round ${round}): ${took.toFixed(2)} s`);
          seconds.set(`${index}\0${phase}`, [...(seconds.get(`${index}\0${phase}`) ?? []), took]);
          const used = process.cpuUsage(ownCpu);
          const server = serverPid ? (await processCpuSeconds(serverPid)) - serverCpu : 0;
          cpu.set(`${index}\0${phase}`, [...(cpu.get(`${index}\0${phase}`) ?? []), (used.user + used.system) / 1e6 + server]);
        }
        await withMysql(url, (c) => c.query(`DROP TABLE ${target.table}`));
      }
    }
    const table = ways.flatMap((way, index) =>
      (['insert', 'update'] as const).map((phase) => {
        const all = [...seconds.get(`${index}\0${phase}`)!].sort((a, b) => a - b);
        const median = all[Math.floor(all.length / 2)]!;
        const spent = [...cpu.get(`${index}\0${phase}`)!].sort((a, b) => a - b);
        return [way.name, phase, fmt(count / all[0]!), fmt(count / median), spent[Math.floor(spent.length / 2)]!.toFixed(2)];
      }),
    );
    const cpuHeader = serverPid ? 'CPU s, node + server, median' : 'CPU s, node, median';
    process.stdout.write(`\n${renderTable(['way', 'rows are', 'rows/s, best round', 'rows/s, median', cpuHeader], table)}\n`);
    return 0;
  } finally {
    await sink.close();
    await pool.end();
    await withMysql(values.mysql, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
  }
}

/** User and system CPU seconds a process has used (Linux /proc). */
async function processCpuSeconds(pid: string): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench-mysql-sink: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
