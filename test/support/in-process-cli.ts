/**
 * The CLI's commands (scripts/cli-commands.ts) run in this process, with stdout and stderr
 * captured: the same code as the executable without its launcher, at a fraction of the cost of a
 * process per command. One at a time: the capture replaces the process's streams.
 */
import type { CliResult } from './cli.js';

/** Runs `cutover <args>` here; `env` is set for the command and restored after it. */
export async function runInProcess(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const { main } = await import('../../scripts/cli-commands.js');
  let stdout = '';
  let stderr = '';
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries({ CUTOVER_PROJECT: undefined, NO_COLOR: '1', ...env })) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array, encoding?: unknown, done?: unknown) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = typeof encoding === 'function' ? encoding : done;
      if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((text) => (stdout += text));
  process.stderr.write = capture((text) => (stderr += text));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } catch (error) {
    // What escapes `main` reaches the launcher's last resort: report it as the launcher would not want to.
    return { code: 2, stdout, stderr: `${stderr}cutover: escaped the command: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` };
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
