/**
 * What every command shares: the project (loaded and validated at the edge), the logger, the
 * progress line, and how failures become one clear message and exit code 2.
 */
import path from 'node:path';
import { redactUrl } from '../../connectors/connection-url.js';
import { ConnectionConfigError, ConnectorError, RetriesExhausted } from '../../connectors/errors.js';
import { ConfigError } from '../../pipelines/config/config-error.js';
import { locateProject } from '../../pipelines/config/find-project.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import type { Environment } from '../../pipelines/config/interpolate-env.js';
import type { Project } from '../../pipelines/config/project.js';
import { EXIT_CODES, RunError, type ExitCode } from '../../pipelines/errors.js';
import { describeFileSystemError, describeFileSystemFault, findFileSystemFault } from '../../pipelines/file-system-error.js';
import { createLogger, type Logger } from '../../pipelines/logger.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { PROGRESS_MODES, ProgressLine, progressDisplay, type ProgressMode } from '../progress.js';

export interface GlobalOptions {
  readonly project: string | undefined;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly progress: boolean;
  /** The command as given, shell-quoted, for "run it again to resume" hints. @default `cutover run` */
  readonly commandLine?: string;
}

export interface CommandContext {
  readonly project: Project;
  readonly log: Logger;
  readonly progress: ProgressLine;
  readonly logFile: string;
}

/** Prints for people on stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function openContext(options: GlobalOptions, overrides: { env?: Environment; logFile?: string } = {}): Promise<CommandContext> {
  const location = await locateProject(options.project, process.env, process.cwd());
  const project = await loadProject(location, overrides.env ? { env: overrides.env } : {});
  const progress = new ProgressLine(process.stderr, progressDisplay(options.progress && !options.quiet, progressMode(process.env.CUTOVER_PROGRESS), process.stderr.isTTY === true));
  const logFile = overrides.logFile ?? project.options.logFile;
  let log: Logger;
  try {
    log = createLogger({
      file: logFile,
      terminal: options.quiet ? null : process.stderr,
      terminalLevel: options.verbose ? 'debug' : 'info',
      beforeTerminalLine: () => progress.clear(),
    });
  } catch (error) {
    // Nothing has run yet; a folder the log cannot go to will not take the state or reports either.
    const reason = describeFileSystemError(error, 'for the log file') ?? `cannot write the log file ${logFile}: ${(error as Error).message}`;
    throw new RunError(reason, { cause: error, hint: 'or set `options.log_file` in cutover.yaml to a writable file; nothing was run' });
  }
  return { project, log, progress, logFile };
}

/** `CUTOVER_PROGRESS` checked at the edge: unset is `auto`; anything else unknown is refused. */
export function progressMode(value: string | undefined): ProgressMode {
  if (value === undefined || value === '') return 'auto';
  if ((PROGRESS_MODES as readonly string[]).includes(value)) return value as ProgressMode;
  throw new RunError(`Expected \`CUTOVER_PROGRESS\` to be one of ${PROGRESS_MODES.join(', ')}, got \`${value}\``, {
    hint: '`lines` prints a progress line now and then where stderr is not a terminal (CI logs); nothing was run',
  });
}

/** One message, no stack trace, exit code 2: the run could not be done (or finished). */
export function reportFailure(error: unknown, context?: { log?: Logger; logFile?: string }): ExitCode {
  // The file gets the stack; the terminal gets the one message below. A log that cannot be
  // written (a full disk) must not turn the message into a second failure.
  let logged = false;
  let logFailed = false;
  try {
    context?.log?.error({ err: error, terminal: false }, 'command failed');
    logged = context?.log !== undefined && context.logFile !== undefined;
  } catch {
    logFailed = true;
  }
  const fault = error instanceof RunError || error instanceof ConfigError ? undefined : findFileSystemFault(error);
  // A write without a path that the log file failed as well: the log file is what could not be written.
  const theLog = fault !== undefined && fault.path === undefined && logFailed && context?.logFile !== undefined;
  const fileSystem = fault === undefined ? undefined : describeFileSystemFault(theLog ? { ...fault, path: context!.logFile! } : fault, theLog ? 'for the log file' : undefined);
  const lines: string[] = [];
  if (error instanceof ConfigError) {
    lines.push(error.message);
  } else if (error instanceof RunError) {
    lines.push(`cutover: ${error.message}`);
    if (error.hint) lines.push(`  ${error.hint}`);
  } else if (error instanceof RetriesExhausted) {
    lines.push(`cutover: ${error.message}; run the command again once the server answers`);
  } else if (error instanceof ConnectorError || error instanceof ConnectionConfigError) {
    lines.push(`cutover: ${error.message}`);
  } else if (error instanceof Error && error.name === 'AbortError') {
    lines.push('cutover: aborted; committed batches are kept, run again to resume');
  } else if (fileSystem !== undefined) {
    lines.push(`cutover: ${fileSystem}`);
  } else {
    lines.push(`cutover: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    // The stack belongs in the log file; without one, only on request.
    if (logged && context?.logFile) lines.push(`  the stack trace is in ${path.relative(process.cwd(), context.logFile) || context.logFile}`);
    else lines.push(stackOnRequest(error));
  }
  process.stderr.write(`${redactUrl(lines.join('\n'))}\n`);
  return EXIT_CODES.couldNotRun;
}

/** The stack of an error no log file holds: printed when CUTOVER_DEBUG is set, else a pointer to it. */
export function stackOnRequest(error: unknown): string {
  if (process.env.CUTOVER_DEBUG && error instanceof Error && error.stack) return error.stack;
  return '  no log file holds the stack trace; run again with CUTOVER_DEBUG=1 to print it';
}

let stopSignal: 'SIGINT' | 'SIGTERM' | null = null;

/** The signal that asked a command of this invocation to stop, if one did: the exit code becomes 128 + its number. */
export function stopSignalReceived(): 'SIGINT' | 'SIGTERM' | null {
  return stopSignal;
}

/** Forgets the signal of an earlier invocation (commands run one after another in one process in tests). */
export function resetStopSignal(): void {
  stopSignal = null;
}

/**
 * Ctrl-C (or SIGTERM) once: the batch in flight commits, then the run stops cleanly. Twice: reads
 * and retries are aborted at once; the open transaction rolls back.
 */
export function installStopHandlers(
  log: Logger,
  options: { atOnce?: string } = {},
): { signal: AbortSignal; stopRequested: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let stopping = false;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    stopSignal ??= name;
    if (options.atOnce !== undefined) {
      // Nothing to finish first (a backup is whole or nothing): the first signal stops it.
      if (!stopping) log.warn(`${name}: stopping now; ${options.atOnce}`);
      stopping = true;
      controller.abort();
    } else if (!stopping) {
      stopping = true;
      log.warn(`${name}: finishing the batch in flight, then stopping (press Ctrl-C again to abort now)`);
    } else {
      log.warn(`${name}: aborting now; the open batch rolls back`);
      controller.abort();
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    stopRequested: () => stopping,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** Opens the context, runs the command, and turns any failure into its message and exit code 2. */
export async function withContext(
  options: GlobalOptions,
  command: (context: CommandContext) => Promise<ExitCode>,
  overrides: { env?: Environment; logFile?: string } = {},
): Promise<ExitCode> {
  let context: CommandContext | undefined;
  try {
    context = await openContext(options, overrides);
    return await command(context);
  } catch (error) {
    context?.progress.clear();
    return reportFailure(error, context);
  } finally {
    context?.log.flush();
  }
}

/** {@link withContext} with the project's target, state and sources open. */
export function withSession(options: GlobalOptions, command: (context: CommandContext, session: ProjectSession) => Promise<ExitCode>): Promise<ExitCode> {
  return withContext(options, async (context) => {
    const session = await ProjectSession.open(context.project, context.log);
    try {
      return await command(context, session);
    } finally {
      await session.close();
    }
  });
}
