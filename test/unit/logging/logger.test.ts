import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../../../pipelines/logger.js';

const PASSWORD = 'Rel9/Sec@Pw2#x?y:z%w v';
const URL_TEXT = `mysql://migrator:${PASSWORD}@127.0.0.1:3306/legacy_crm`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-logger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('writes no URL password to the log file or the terminal, whatever key or error carries it', async () => {
  const file = path.join(dir, 'cutover.log');
  const terminal = new PassThrough();
  let shown = '';
  terminal.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const log = createLogger({ file, terminal, terminalLevel: 'debug' });
  const driverError = Object.assign(new Error(`cannot reach ${URL_TEXT}`, { cause: new Error(`inner ${URL_TEXT}`) }), { sql: URL_TEXT, config: { password: PASSWORD } });
  log.info(`opening ${URL_TEXT}`);
  log.warn({ target: URL_TEXT, nested: { list: [URL_TEXT] }, connectionString: 'anything' }, 'opening');
  log.error({ err: driverError }, 'command failed');
  log.error({ failure: driverError }, 'could not record the end of the run');
  log.child({ url: URL_TEXT }).info('child');
  log.flush();
  const written = await readFile(file, 'utf8');
  expect(written.split('\n').filter(Boolean)).toHaveLength(5);
  for (const text of [written, shown]) {
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'Rel9', 'Pw2']) expect(text).not.toContain(secret);
  }
  expect(written).toContain('mysql://migrator:***@127.0.0.1:3306/legacy_crm');
});
