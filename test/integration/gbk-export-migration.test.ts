/**
 * A legacy CRM export saved in GBK (as Chinese Windows tools save CSV) migrates with its Chinese
 * names intact: `file://./export?encoding=gbk` through the CLI into an embedded PGlite target.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_TABLES } from '../../scripts/legacy-crm/legacy-schema.js';
import { copyExampleProject, runCli } from '../support/cli.js';

const NAMES = ['九桥咨询有限公司', '上海浦东发展银行股份有限公司', '深圳市腾讯计算机系统有限公司'];

describe('a GBK-encoded customers.csv', () => {
  let project: { dir: string; remove(): Promise<void> };
  let folder: string;

  beforeAll(async () => {
    project = await copyExampleProject();
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-gbk-export-'));
    const columns = LEGACY_TABLES.customers.columns.map((c) => c.name);
    const row = (id: number, name: string): Record<string, string> => ({
      id: String(id), customer_no: `C-00000${id}`, name, contact_first_name: '刚', contact_last_name: '胡', email: '', phone: '', mobile: '',
      country: '中国', province: '辽宁', city: '大连', address: '中山区人民路58号', industry: '咨询', status: 'A', annual_revenue: '', employees: '',
      created_at: '2016年2月4日 10:58', updated_at: '2019-03-05 14:22:10', deleted: '0', notes: '客户要求所有报价走微信',
    });
    const lines = [columns.join(','), ...NAMES.map((name, i) => columns.map((c) => row(i + 1, name)[c]).join(','))];
    await writeFile(path.join(folder, 'customers.csv'), iconv.encode(lines.join('\r\n') + '\r\n', 'gbk'));
    for (const table of ['opportunities', 'tickets'] as const) {
      await writeFile(path.join(folder, `${table}.csv`), LEGACY_TABLES[table].columns.map((c) => c.name).join(',') + '\r\n');
    }
  });

  afterAll(async () => {
    await Promise.all([project?.remove(), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  it('loads the Chinese names intact with encoding=gbk', async () => {
    const target = path.join(folder, 'newcrm');
    const result = await runCli(['run', 'customers', '-p', project.dir, '--quiet'], {
      env: { LEGACY_URL: `file://${folder}?encoding=gbk`, NEWCRM_URL: `pglite://${target}` },
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const db = new PGlite(target);
    try {
      const { rows } = await db.query<{ legacy_id: string; name: string; country: string; region: string; notes: string }>(
        'SELECT legacy_id, name, country, region, notes FROM public.customers ORDER BY legacy_id',
      );
      expect(rows).toEqual(NAMES.map((name, i) => ({ legacy_id: String(i + 1), name, country: 'CN', region: '辽宁', notes: '客户要求所有报价走微信' })));
    } finally {
      await db.close();
    }
  });

  it('without the encoding option, stops with the option to set instead of loading garbled names', async () => {
    const result = await runCli(['run', 'customers', '-p', project.dir, '--quiet'], {
      env: { LEGACY_URL: `file://${folder}`, NEWCRM_URL: `pglite://${path.join(folder, 'other')}` },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/customers\.csv is not valid utf-8.*encoding=gb18030/);
  });
});
