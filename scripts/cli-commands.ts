/**
 * The `cutover` commands: argument parsing only. Each command is one block in cli/command-table.ts
 * and returns an exit code: 0 done (reconciled), 1 discrepancies, 2 could not run, 128 + n when
 * signal n stopped it (130 Ctrl-C, 143 SIGTERM). Started by cli.ts, in the worker thread with the
 * capped heap.
 */
import { constants } from 'node:os';
import { EXIT_CODES } from '../pipelines/errors.js';
import { buildProgram, ProgramOutcome } from './cli/build-program.js';
import { COMMANDS } from './cli/command-table.js';
import { resumeCommandLine } from './cli/shell-quote.js';
import { UsageError } from './cli/usage-error.js';
import { resetStopSignal, stopSignalReceived } from './commands/command-context.js';

export async function main(argv: readonly string[]): Promise<number> {
  resetStopSignal();
  let exitCode: number = EXIT_CODES.couldNotRun;
  const program = buildProgram(COMMANDS, { commandLine: resumeCommandLine(argv) }, async (definition, input) => {
    exitCode = await definition.run(input);
  });
  try {
    await program.parseAsync(argv[0] === 'help' ? helpOf(argv.slice(1)) : [...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof ProgramOutcome) return error.exitCode;
    if (error instanceof UsageError) return usageFailure(error.message);
    throw error;
  }
  return stoppedBySignal(exitCode);
}

/** `cutover help backup verify` is `cutover backup verify --help`; `cutover help` the overview. */
function helpOf(words: readonly string[]): string[] {
  const known = new Set(COMMANDS.map((definition) => definition.name.split(' ')[0]!));
  if (words[0] !== undefined && !known.has(words[0])) throw new UsageError(`unknown command \`${words[0]}\`; the commands are ${[...known].join(', ')} (see \`cutover --help\`)`);
  return [...words, '--help'];
}

/**
 * A command that could not finish because Ctrl-C or SIGTERM stopped it (after its clean stop)
 * exits as a process killed by that signal would: 128 + the signal's number.
 */
function stoppedBySignal(exitCode: number): number {
  const signal = stopSignalReceived();
  return signal !== null && exitCode === EXIT_CODES.couldNotRun ? 128 + constants.signals[signal] : exitCode;
}

function usageFailure(message: string): number {
  process.stderr.write(`cutover: ${message}\n`);
  return EXIT_CODES.couldNotRun;
}
