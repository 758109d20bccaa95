import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAX_HEAP_MB, heapLimitMb, runInCappedWorker } from '../../../scripts/heap-limit.js';

describe('heapLimitMb', () => {
  it('takes the flag, then CUTOVER_MAX_HEAP_MB, then the default', () => {
    expect(heapLimitMb('512', { CUTOVER_MAX_HEAP_MB: '300' }, [])).toBe(512);
    expect(heapLimitMb(undefined, { CUTOVER_MAX_HEAP_MB: '300' }, [])).toBe(300);
    expect(heapLimitMb(undefined, {}, [])).toBe(DEFAULT_MAX_HEAP_MB);
    expect(heapLimitMb('0', {}, [])).toBe(0);
  });

  it("leaves the heap to Node when Node was given --max-old-space-size, on its command line or in NODE_OPTIONS", () => {
    expect(heapLimitMb(undefined, {}, ['--max-old-space-size=1024'])).toBe(0);
    expect(heapLimitMb(undefined, { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=2048' }, [])).toBe(0);
    expect(heapLimitMb('300', { NODE_OPTIONS: '--max-old-space-size=2048' }, [])).toBe(300);
  });

  it('refuses values it cannot work with, naming where they came from', () => {
    expect(() => heapLimitMb('8', {}, [])).toThrow('Expected `--max-heap` to be 0 (no cap) or an integer ≥ 16 (MB), got `8`');
    expect(() => heapLimitMb(undefined, { CUTOVER_MAX_HEAP_MB: '1.5' }, [])).toThrow('Expected `CUTOVER_MAX_HEAP_MB` to be 0 (no cap) or an integer ≥ 16 (MB), got `1.5`');
  });
});

describe('runInCappedWorker', () => {
  const worker = (code: string) => new URL(`data:text/javascript,${encodeURIComponent(code)}`);

  it('ends with the exit code the command posted', async () => {
    expect(await runInCappedWorker(worker("import { parentPort } from 'node:worker_threads'; parentPort.postMessage({ exitCode: 1 });"), [], 64)).toBe(1);
  });

  it('never ends with 0 when the command ran out of work before it finished: 2, with a message', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // A command waiting on a promise nothing will settle: the worker's loop empties and it exits 0.
      expect(await runInCappedWorker(worker('new Promise(() => undefined);'), [], 64)).toBe(2);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^cutover: the command stopped without finishing/);
    } finally {
      stderr.mockRestore();
    }
  });
});
