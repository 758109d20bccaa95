/**
 * The command runs in a worker thread with a capped heap. A command that outgrows it stops with
 * one message naming the knob (no V8 fatal error, no stack trace), exit 2, and the next run
 * resumes and reconciles. Embedded PGlite: no servers needed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('heap cap of the command line', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-heap-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops a command that outgrows its heap with a message naming --max-heap; the next run resumes and reconciles', async () => {
    const starved = await runCli(['demo', '--dir', dir, '--quiet', '--max-heap', '24']);
    expect(starved.code).toBe(2);
    expect(starved.stderr).toContain('cutover: stopped: the command needed more than its 24 MB of heap');
    expect(starved.stderr).toContain('run again with `--max-heap 512` (or set CUTOVER_MAX_HEAP_MB) to resume');
    expect(starved.stderr).not.toMatch(/FATAL ERROR|\n\s+at /);

    const resumed = await runCli(['demo', '--dir', dir, '--quiet']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Reconciled: every source row is loaded, merged, filtered or rejected with a reason (unaccounted = 0).');
  });

  it('refuses a cap it cannot work with, from the flag or the environment, before doing anything', async () => {
    const flag = await runCli(['validate', '--max-heap', '5']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Expected `--max-heap` to be 0 (no cap) or an integer ≥ 16 (MB), got `5`');
    const env = await runCli(['validate'], { env: { CUTOVER_MAX_HEAP_MB: 'lots' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('Expected `CUTOVER_MAX_HEAP_MB` to be 0 (no cap) or an integer ≥ 16 (MB), got `lots`');
  });
});
