/** How a command ends, for people and for cron/CI. */

export const EXIT_CODES = { reconciled: 0, discrepancy: 1, couldNotRun: 2 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * A run that stopped: says what happened, what state is left and what to do next (STYLE 8).
 * The cause keeps the original error for the log file.
 */
export class RunError extends Error {
  override readonly name = 'RunError';
  /** What the user can do now, one sentence. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Raised when SIGINT/SIGTERM stopped a run between batches. */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
}
