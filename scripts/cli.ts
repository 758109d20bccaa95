#!/usr/bin/env node
/**
 * The `cutover` executable. The main thread only starts the command (cli-commands.ts) in a worker
 * thread with a capped heap, and passes signals on (heap-limit.ts): it loads none of the drivers,
 * so the process holds them once.
 */
import { parseArgs } from 'node:util';
import { redactUrl } from '../connectors/redact-url.js';
import { adoptMainThread, finishInWorker, heapLimitMb, inCappedWorker, runInCappedWorker } from './heap-limit.js';

const COULD_NOT_RUN = 2;

/** The command itself, here or in the capped worker. */
async function runHere(argv: readonly string[]): Promise<number> {
  try {
    const { main } = await import('./cli-commands.js');
    return await main(argv);
  } catch (error) {
    // Commands report their own failures; what reaches here has no log file to keep its stack.
    const message = redactUrl(error instanceof Error ? error.message : String(error));
    const stack = process.env.CUTOVER_DEBUG && error instanceof Error && error.stack ? redactUrl(error.stack) : '  no log file holds the stack trace; run again with CUTOVER_DEBUG=1 to print it';
    process.stderr.write(`cutover: unexpected error: ${message.split('\n')[0]}\n${stack}\n`);
    return COULD_NOT_RUN;
  }
}

/** The main thread: the command runs in a worker with a capped heap, unless the cap is 0. */
async function launch(argv: readonly string[]): Promise<number> {
  let heapMb: number;
  try {
    const { values } = parseArgs({ args: [...argv], options: { 'max-heap': { type: 'string' } }, strict: false, allowPositionals: true });
    heapMb = heapLimitMb(values['max-heap'] as string | undefined, process.env, process.execArgv);
  } catch (error) {
    process.stderr.write(`cutover: ${(error as Error).message}\n  run \`cutover --help\` for usage\n`);
    return COULD_NOT_RUN;
  }
  return heapMb === 0 ? runHere(argv) : runInCappedWorker(new URL(import.meta.url), argv, heapMb);
}

if (inCappedWorker()) {
  adoptMainThread();
  void runHere(process.argv.slice(2)).then(finishInWorker);
} else {
  // A reader that stops early (`cutover rejects list --format csv | head`, `cutover init --help | head`)
  // closes the pipe: the rest of the output is not wanted. No stack trace; the command finishes, and
  // its exit code (a reconciliation's 1, say) still tells the script what it found.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
  void launch(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
