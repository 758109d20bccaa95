/**
 * `cutover completion bash|zsh`: a completion script written from the command table, so that a
 * new command or option completes without anyone editing a script. It completes command names,
 * each command's options (its own and the global ones), the choices of `--format` and the like,
 * and folders or files where an option takes one.
 */
import type { CommandDefinition, OptionDefinition } from './command-definition.js';
import { COMMANDS, GLOBAL_OPTIONS } from './command-table.js';
import { UsageError } from './usage-error.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** What the scripts need, derived once from the table. */
interface CompletionModel {
  /** `/backup/verify` → words offered there: subcommands and options. */
  readonly words: ReadonlyMap<string, readonly string[]>;
  /** Every option that takes a value: the word after it is that value, not a command. */
  readonly valueFlags: readonly string[];
  /** `/reconcile --format` → its choices. */
  readonly choices: ReadonlyMap<string, readonly string[]>;
  readonly folderFlags: readonly string[];
  readonly fileFlags: readonly string[];
}

/** Prints the script for `shell`; exit 0. */
export async function printCompletion(shell: string): Promise<number> {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`Expected the shell of \`cutover completion\` to be one of ${SHELLS.join(', ')}, got \`${shell}\``);
  process.stdout.write(completionScript(shell as Shell));
  return 0;
}

export function completionScript(shell: Shell, commands: readonly CommandDefinition[] = COMMANDS): string {
  const model = completionModel(commands);
  return shell === 'bash' ? bashScript(model) : zshScript(model);
}

function completionModel(commands: readonly CommandDefinition[]): CompletionModel {
  const words = new Map<string, string[]>([['', []]]);
  const choices = new Map<string, readonly string[]>();
  const all: OptionDefinition[] = [...GLOBAL_OPTIONS];
  const add = (path: string, ...offered: string[]) => {
    const list = words.get(path) ?? [];
    for (const word of offered) if (!list.includes(word)) list.push(word);
    words.set(path, list);
  };
  for (const definition of commands) {
    const parts = definition.name.split(' ');
    // Every prefix is a path: `backup` offers `verify`, the top offers `backup`.
    parts.forEach((part, index) => add(index === 0 ? '' : `/${parts.slice(0, index).join('/')}`, part));
    const path = `/${parts.join('/')}`;
    const options = [...(definition.options ?? []), ...GLOBAL_OPTIONS].filter((option) => !option.hidden);
    add(path, ...(definition.completeArguments ?? []), ...options.flatMap(flagsOf), '--help');
    for (const option of definition.options ?? []) {
      all.push(option);
      if (option.choices) for (const flag of flagsOf(option)) choices.set(`${path} ${flag}`, option.choices);
    }
  }
  // Groups without a definition of their own (`rejects`) take the global options.
  for (const [path, list] of words) if (path !== '' && !list.includes('--help')) add(path, ...GLOBAL_OPTIONS.flatMap(flagsOf), '--help');
  add('', 'help', '--help', '--version');
  const taking = (pattern: RegExp) => [...new Set(all.filter((option) => pattern.test(option.flags)).flatMap(flagsOf))];
  return { words, choices, valueFlags: taking(/</), folderFlags: taking(/<DIR>/), fileFlags: taking(/<FILE>/) };
}

function flagsOf(option: OptionDefinition): string[] {
  return option.flags.split(/[ ,]+/).filter((word) => word.startsWith('-'));
}

const alternatives = (words: readonly string[]) => words.join('|');

function bashScript(model: CompletionModel): string {
  const paths = [...model.words.keys()].filter((path) => path !== '');
  return `# cutover completion for bash. Load it with:  source <(cutover completion bash)
_cutover() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${alternatives(model.valueFlags)}) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "$cmdpath/$word" in
      ${alternatives(paths)}) cmdpath="$cmdpath/$word" ;;
    esac
  done
  case "$cmdpath $prev" in
${[...model.choices].map(([key, values]) => `    "${key}") COMPREPLY=($(compgen -W "${values.join(' ')}" -- "$cur")); return ;;`).join('\n')}
  esac
  case "$prev" in
    ${alternatives(model.folderFlags)}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${alternatives(model.fileFlags)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${alternatives(model.valueFlags)}) return ;;
  esac
  case "$cmdpath" in
${[...model.words].map(([path, words]) => `    "${path}") COMPREPLY=($(compgen -W "${words.join(' ')}" -- "$cur")) ;;`).join('\n')}
  esac
}
complete -o default -F _cutover cutover
`;
}

function zshScript(model: CompletionModel): string {
  const paths = [...model.words.keys()].filter((path) => path !== '');
  return `#compdef cutover
# cutover completion for zsh. Load it with:  source <(cutover completion zsh)
# or save it as _cutover in a folder of $fpath.
_cutover() {
  local cmdpath="" word prev i
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    case "$word" in
      (${alternatives(model.valueFlags)}) ((i++)); continue ;;
      (-*) continue ;;
    esac
    case "$cmdpath/$word" in
      (${alternatives(paths)}) cmdpath="$cmdpath/$word" ;;
    esac
  done
  prev="\${words[CURRENT-1]}"
  case "$cmdpath $prev" in
${[...model.choices].map(([key, values]) => `    ("${key}") compadd -- ${values.join(' ')}; return ;;`).join('\n')}
  esac
  case "$prev" in
    (${alternatives(model.folderFlags)}) _files -/; return ;;
    (${alternatives(model.fileFlags)}) _files; return ;;
    (${alternatives(model.valueFlags)}) return ;;
  esac
  case "$cmdpath" in
${[...model.words].map(([path, words]) => `    ("${path}") compadd -- ${words.join(' ')} ;;`).join('\n')}
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _cutover "$@"
else
  compdef _cutover cutover
fi
`;
}
