/**
 * A full disk, for real: a small tmpfs filled to the last byte (mounting needs root; elsewhere
 * the file is skipped). Whatever cutover was writing (its log, a report, its PGlite database),
 * the user gets one line naming what and where, exit code 2, and no stack trace.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import type { CliResult } from '../support/cli.js';
import { runInProcess } from '../support/in-process-cli.js';
import { copyPgliteTemplate } from '../support/pglite-template.js';

const BASE = packagePath('test', 'fixtures', 'bad-inputs', 'base');
const canMount = process.getuid?.() === 0 && process.platform === 'linux';

/** Mounts a tmpfs of `size` at a new folder; `fill` leaves no byte free. */
async function mountTmpfs(root: string, name: string, size: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return dir;
}

async function fill(dir: string): Promise<void> {
  // Writes until the device refuses: ENOSPC is the expected end.
  const chunk = Buffer.alloc(64 * 1024);
  const file = path.join(dir, 'filler');
  await writeFile(file, '');
  const { open } = await import('node:fs/promises');
  const handle = await open(file, 'a');
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // The last partial block: byte by byte would be slow; a small write finds the remaining bytes.
    for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) await handle.write(Buffer.alloc(size)).catch(() => undefined);
  } finally {
    await handle.close();
  }
}

function messageLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line !== '' && !/^\d\d:\d\d:\d\d (?:debug|info |WARN ) /.test(line));
}

describe.skipIf(!canMount)('a full disk', () => {
  let root: string;
  const mounts: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cutover-full-disk-'));
  });
  afterAll(async () => {
    // Lazily: a log file opened in this process may still hold its mount.
    for (const mount of mounts) execFileSync('umount', ['-l', mount]);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('under the log file: one line naming the log file', async () => {
    const disk = await mountTmpfs(root, 'log-disk', '1m');
    mounts.push(disk);
    const project = path.join(disk, 'project');
    await cp(BASE, project, { recursive: true });
    await fill(disk);
    const target = path.join(root, 'log-disk-target');
    await copyPgliteTemplate(root, target);
    const result = await runInProcess(['run', '-p', project, '--no-progress'], { NEWCRM_URL: `pglite://${target}` });
    expect(result.code, result.stderr).toBe(2);
    expect(messageLines(result), result.stderr).toEqual([
      expect.stringMatching(/^cutover: (run \d+ stopped: )?cannot write .*cutover\.log \(for the log file\): no space left on the device \(ENOSPC\); free some space/),
      ...(messageLines(result).length > 1 ? [expect.stringMatching(/^ {2}\S/)] : []),
    ]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('under a report (--out): one line naming the fault', async () => {
    const disk = await mountTmpfs(root, 'out-disk', '1m');
    mounts.push(disk);
    const project = path.join(root, 'out-project');
    await cp(BASE, project, { recursive: true });
    await copyPgliteTemplate(root, path.join(project, '.cutover', 'newcrm'));
    await fill(disk);
    const result = await runInProcess(['plan', '-p', project, '--format', 'json', '--out', path.join(disk, 'plan.json'), '--no-progress']);
    expect(result.code, result.stderr).toBe(2);
    const lines = messageLines(result);
    // Node's write error carries no path: the line names the fault and what to do, not yet the file.
    expect(lines[0], result.stderr).toMatch(/^cutover: cannot write.*: no space left on the device \(ENOSPC\); free some space/);
    expect(lines.length, result.stderr).toBeLessThanOrEqual(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('under the PGlite database: one line naming the fault, and the next run on a disk with room resumes', async () => {
    const disk = await mountTmpfs(root, 'db-disk', '64m');
    mounts.push(disk);
    const project = path.join(root, 'db-project');
    await cp(BASE, project, { recursive: true });
    const target = path.join(disk, 'newcrm');
    await copyPgliteTemplate(root, target);
    await fill(disk);
    const result = await runInProcess(['run', '-p', project, '--no-progress'], { NEWCRM_URL: `pglite://${target}` });
    expect(result.code, result.stderr).toBe(2);
    const lines = messageLines(result);
    expect(lines[0], result.stderr).toMatch(/^cutover: .*no space left on the device.*\(ENOSPC\)/);
    expect(lines.length, result.stderr).toBeLessThanOrEqual(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);

    await rm(path.join(disk, 'filler'));
    const again = await runInProcess(['run', '-p', project, '--no-progress'], { NEWCRM_URL: `pglite://${target}` });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/customers\s+4\s+4\s/);
  });
});
