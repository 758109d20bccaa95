/** Command lines to show people, quoted so that pasting them into a POSIX shell runs them as given. */

/** Characters a shell word may hold without quotes. */
const PLAIN = /^[A-Za-z0-9_\/.,:=@%+^-]+$/;

/** `'it'\''s here'` for `it's here`; plain words stay as they are. */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that repeats this invocation, for a "run it again to resume" hint: `cutover` and the
 * arguments as given, quoted. Flags that would not resume but start over (`demo --fresh`) are left out.
 */
export function resumeCommandLine(argv: readonly string[]): string {
  const kept = argv.filter((arg) => !STARTS_OVER.includes(arg));
  return ['cutover', ...kept.map(shellQuote)].join(' ');
}

const STARTS_OVER: readonly string[] = ['--fresh'];
