/** A command line used wrongly: one line on stderr, exit 2, before any command module is loaded. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
