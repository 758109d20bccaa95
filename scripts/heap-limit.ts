/**
 * The command line runs its command in a worker thread whose V8 heap is capped (256 MB unless
 * `--max-heap` or `CUTOVER_MAX_HEAP_MB` says otherwise). Without a cap V8 lets garbage pile up on
 * a machine with memory to spare: a 3 × 1,000,000-row run that needs ~100 MB of live objects grew
 * to 409 MB resident. With one, it peaks at 233 MB (249 MB at 3 × 5,000,000), and a run that does
 * need more stops with a message naming the knob, instead of V8's fatal error: the worker is
 * terminated, its connections close, the open batch rolls back, and the next run resumes.
 *
 * Signals reach only the main thread; they are passed on to the worker, where the command's own
 * SIGINT/SIGTERM handlers run as they would without the worker. SIGKILL ends both at once.
 */
import { constants } from 'node:os';
import { isMainThread, parentPort, Worker, workerData, type ResourceLimits } from 'node:worker_threads';

/**
 * MB of V8 old space. Under any cap this small V8 grows the heap sparingly: the 3 × 200,000-row
 * bench peaks at ~80 MB of heap and 211–223 MB resident with 160 or 256, against 210 MB of heap
 * and 344 MB resident without a cap, for about 8 % more time in garbage collection.
 * @default 256
 */
export const DEFAULT_MAX_HEAP_MB = 256;
const MIN_HEAP_MB = 16;

export class HeapLimitError extends Error {}

/**
 * The cap for this invocation: the `--max-heap` flag, else `CUTOVER_MAX_HEAP_MB`, else the
 * default. `0` means none (the command runs in the main thread, under Node's own limit), as does a
 * `--max-old-space-size` given to Node itself: whoever set that wants to decide.
 */
export function heapLimitMb(flag: string | undefined, env: NodeJS.ProcessEnv, execArgv: readonly string[]): number {
  const [name, text] = flag !== undefined ? ['--max-heap', flag] : ['CUTOVER_MAX_HEAP_MB', env.CUTOVER_MAX_HEAP_MB];
  if (text === undefined || text === '') {
    const nodeFlags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
    return nodeFlags.some((option) => option.startsWith('--max-old-space-size')) ? 0 : DEFAULT_MAX_HEAP_MB;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || (value !== 0 && value < MIN_HEAP_MB)) {
    throw new HeapLimitError(`Expected \`${name}\` to be 0 (no cap) or an integer ≥ ${MIN_HEAP_MB} (MB), got \`${text}\``);
  }
  return value;
}

/**
 * MB of V8 young generation (new objects, before they survive two collections). Left to V8, a
 * worker's grows to ~48 MB; the rows of a batch outlive it anyway, so a small one costs a few
 * per cent more time in scavenges and saved the demo ~25 MB resident (BENCHMARKS.md).
 */
const YOUNG_GENERATION_MB = 12;

/** The worker's resource limits for a cap of `heapMb`. */
export function workerLimits(heapMb: number): ResourceLimits {
  return { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
}

/** What the worker posts when its command has finished. */
interface Finished {
  readonly exitCode: number;
}

/** Runs `entry` (this same module graph's CLI script) with `argv` in a capped worker; resolves with its exit code. */
export function runInCappedWorker(entry: URL, argv: readonly string[], heapMb: number): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(entry, {
      argv: [...argv],
      resourceLimits: workerLimits(heapMb),
      workerData: { cutoverWorker: true, stdoutIsTTY: process.stdout.isTTY === true, stderrIsTTY: process.stderr.isTTY === true },
    });
    let exitCode: number | null = null;
    const forward = (signal: NodeJS.Signals) => worker.postMessage({ signal });
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    // Once the reader of stdout has gone (`| head`), what the worker still prints is drained into
    // nothing: left piped to the closed stdout, the worker would wait for it forever.
    const drain = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') worker.stdout.resume();
    };
    process.stdout.on('error', drain);
    worker.on('message', (message: Finished) => {
      if (typeof message?.exitCode === 'number') exitCode = message.exitCode;
    });
    worker.on('error', (error: Error & { code?: string }) => {
      exitCode = 2;
      process.stderr.write(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `cutover: stopped: the command needed more than its ${heapMb} MB of heap (a large \`batch_size\` or very wide rows?).\n` +
              '  Committed batches are kept and the open one was rolled back: run again with `--max-heap 512` (or set CUTOVER_MAX_HEAP_MB) to resume.\n'
          : `cutover: unexpected error: ${error.stack ?? error.message}\n`,
      );
    });
    worker.on('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.stdout.off('error', drain);
      // 128 + n: the worker ended on signal n passed on to it (adoptMainThread).
      resolve(exitCode ?? (code === 0 ? 0 : code > 128 ? code : 2));
    });
  });
}

/** True in a worker started by {@link runInCappedWorker}. */
export function inCappedWorker(): boolean {
  return !isMainThread && (workerData as { cutoverWorker?: boolean } | null)?.cutoverWorker === true;
}

/**
 * In the worker: signals passed on by the main thread reach the command's handlers, and stdout and
 * stderr say whether the main thread's are terminals (progress lines, binary report guards).
 */
export function adoptMainThread(): void {
  const data = workerData as { stdoutIsTTY: boolean; stderrIsTTY: boolean };
  Object.defineProperty(process.stdout, 'isTTY', { value: data.stdoutIsTTY, configurable: true });
  Object.defineProperty(process.stderr, 'isTTY', { value: data.stderrIsTTY, configurable: true });
  parentPort!.on('message', (message: { signal?: NodeJS.Signals }) => {
    if (!message.signal) return;
    // A command with no stop of its own (reconcile, status, …) ends as Node ends a process on the
    // signal: at once, 128 + its number; its connections close and an open transaction rolls back.
    if (process.listenerCount(message.signal) === 0) process.exit(128 + constants.signals[message.signal]);
    process.emit(message.signal, message.signal);
  });
  // Listening must not keep the worker alive once its command is done.
  parentPort!.unref();
}

/** In the worker: hands the exit code to the main thread. */
export function finishInWorker(exitCode: number): void {
  parentPort!.postMessage({ exitCode } satisfies Finished);
}
