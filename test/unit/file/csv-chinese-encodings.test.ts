/**
 * CSV exports from Chinese CRMs: GBK and GB18030 (`encoding=gbk|gb18030`), UTF-8 with and without
 * a byte-order mark. Fixtures are encoded here with iconv-lite, the reference encoder for these
 * code pages; reading uses the WHATWG decoder (TextDecoder), streamed, with invalid bytes fatal.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { CsvSource } from '../../../connectors/file/csv-source.js';
import { parseFileConfig } from '../../../connectors/file/file-config.js';
import { CHUNK_BYTES } from '../../../connectors/file/text-chunks.js';
import { readAll } from '../../contract/source-contract.js';

// 𠀀 (U+20000) is outside GBK: GB18030 has it as a four-byte sequence.
const ROWS = [
  ['1', '九桥咨询有限公司', '辽宁', '客户要求所有报价走微信；\n不用邮件'],
  ['2', '上海浦东发展银行', '上海', '"重要"客户，年收入≥1亿'],
  ['3', 'Greenplex Medical', '東京', ''],
];
const csv = (rows: string[][]) =>
  ['id;name;province;notes', ...rows.map((r) => r.map((v) => (/[;"\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(';'))].join('\r\n') + '\r\n';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'cutover-gbk-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function readWith(name: string, bytes: Buffer, urlOptions: string) {
  const file = path.join(folder, name);
  await writeFile(file, bytes);
  const config = parseFileConfig(parseConnectionUrl(`file://${file}${urlOptions}`), { baseDir: folder });
  const source = new CsvSource(file, { encoding: config.encoding, delimiter: config.delimiter });
  const { rows, rejects } = await readAll(source, { entity: { table: 'customers', key: 'id' }, batchSize: 1000 });
  expect(rejects).toEqual([]);
  return rows.map((r) => [r.data.id, r.data.name, r.data.province, r.data.notes]);
}

describe('CSV in Chinese encodings', () => {
  it('reads GBK with encoding=gbk: names, quoted line breaks and sniffed `;` intact', async () => {
    const bytes = iconv.encode(csv(ROWS), 'gbk');
    expect(bytes.includes(Buffer.from('九桥', 'utf8'))).toBe(false);
    expect(await readWith('gbk.csv', bytes, '?encoding=gbk')).toEqual(ROWS);
  });

  it('reads GB18030 with encoding=gb18030, characters beyond GBK included', async () => {
    const rows = [...ROWS, ['4', '𠀀字号 €', '广东', '']];
    expect(await readWith('gb18030.csv', iconv.encode(csv(rows), 'gb18030'), '?encoding=gb18030')).toEqual(rows);
  });

  it('decodes across chunk boundaries: a two-byte character split between 64 KiB reads', async () => {
    const many = Array.from({ length: Math.ceil((CHUNK_BYTES * 3) / 40) }, (_, i) => [String(i + 1), `深圳市腾讯计算机系统有限公司${i}`, '广东', '']);
    expect(await readWith('gbk-large.csv', iconv.encode(csv(many), 'gbk'), '?encoding=gbk')).toEqual(many);
  });

  it('reads UTF-8 with or without a byte-order mark the same', async () => {
    const plain = await readWith('utf8.csv', Buffer.from(csv(ROWS)), '');
    const bom = await readWith('utf8-bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(ROWS))]), '');
    expect(plain).toEqual(ROWS);
    expect(bom).toEqual(ROWS);
  });

  it('stops on a GBK file read as UTF-8, naming the encoding option to set', async () => {
    await expect(readWith('gbk-as-utf8.csv', iconv.encode(csv(ROWS), 'gbk'), '')).rejects.toThrow(/is not valid utf-8 .*encoding=gb18030/);
  });
});
