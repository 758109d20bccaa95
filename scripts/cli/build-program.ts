/**
 * The commander program built from the command table: one commander command per definition, each
 * knowing only its own options and the global ones, so that any other option is refused with one
 * line naming it and the command. commander never exits the process or prints an error itself:
 * every outcome comes back to `main` as a {@link ProgramOutcome} or a {@link UsageError}.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { packagePath } from '../../pipelines/package-root.js';
import type { GlobalOptions } from '../commands/command-context.js';
import { CommandInput, type CommandDefinition, type OptionDefinition } from './command-definition.js';
import { GLOBAL_OPTIONS } from './command-table.js';
import { UsageError } from './usage-error.js';

/** Help or the version was shown (exit 0), or the overview for a missing command (exit 2). */
export class ProgramOutcome {
  constructor(readonly exitCode: number) {}
}

const GLOBAL_GROUP = 'Global options:';

/** The package's version, for `--version` and the overview. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The program. `onRun` receives the definition and its input when a command is to run; its
 * exit code is the program's.
 */
export function buildProgram(commands: readonly CommandDefinition[], context: { commandLine: string }, onRun: (definition: CommandDefinition, input: CommandInput) => Promise<void>): Command {
  const program: Command = new Command('cutover')
    .description('Move a company off its legacy CRM, re-runnably, with every row accounted for.')
    .version(packageVersion(), '--version', 'the version of cutover')
    // Options after a command's name are that command's: `backup verify --to` is refused, not taken by `backup`.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text), outputError: () => undefined })
    .configureHelp({ formatHelp: (command, helper): string => (command === program ? overview(commands) : Help.prototype.formatHelp.call(helper, command, helper)) })
    // `cutover help backup verify` is `cutover backup verify --help` (main rewrites it): commander's help command knows one word.
    .helpCommand(false);
  configure(program, 'cutover', []);
  for (const definition of commands) {
    const words = definition.name.split(' ');
    let parent: Command = program;
    for (const word of words.slice(0, -1)) parent = parent.commands.find((c) => c.name() === word) ?? group(parent, word, commands);
    const command = parent.commands.find((c) => c.name() === words.at(-1)) ?? parent.command(words.at(-1)!, { isDefault: definition.isDefault === true });
    command.description(definition.description ?? sentence(definition.summary)).summary(definition.summary);
    if (definition.arguments) command.arguments(definition.arguments);
    for (const option of definition.options ?? []) command.addOption(toOption(option));
    configure(command, `cutover ${definition.name}`, definition.options ?? []);
    command.addHelpText('after', () => commandFooter(definition));
    command.action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const args = (self.processedArgs as unknown[]).flatMap((arg) => (arg === undefined ? [] : Array.isArray(arg) ? (arg as string[]) : [String(arg)]));
      const global = globalOptions(self, context.commandLine);
      await onRun(definition, new CommandInput(definition.name, global, args, self.opts(), definition.options ?? []));
    });
  }
  return program;
}

/** A command that only groups others (`rejects` for `rejects list`). */
function group(parent: Command, word: string, commands: readonly CommandDefinition[]): Command {
  const children = commands.filter((c) => c.name.startsWith(`${word} `));
  const command = parent.command(word).description(children.map((c) => `${c.name}: ${c.summary}`).join('\n'));
  configure(command, `cutover ${word}`, []);
  return command;
}

/** What every command has: the global options, the help option, and errors that come back to `main`. */
function configure(command: Command, path: string, own: readonly OptionDefinition[]): void {
  for (const option of GLOBAL_OPTIONS) command.addOption(toOption(option).helpGroup(GLOBAL_GROUP));
  command.addHelpOption(new Option('-h, --help', 'this help').helpGroup(GLOBAL_GROUP)).helpCommand(false);
  command.exitOverride((error) => {
    throw translate(error, command, path, own);
  });
}

function toOption(definition: OptionDefinition): Option {
  const extras = [definition.choices ? `one of ${definition.choices.join(', ')}` : '', definition.defaultText ? `default: ${definition.defaultText}` : ''].filter(Boolean);
  const option = new Option(definition.flags, extras.length > 0 ? `${definition.description} (${extras.join('; ')})` : definition.description);
  return definition.hidden ? option.hideHelp() : option;
}

/** The global options in effect: given after the command's name, else before it (`cutover -p DIR run`). */
function globalOptions(command: Command, commandLine: string): GlobalOptions {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.push(c);
  const given = (name: string): unknown => {
    const from = chain.find((c) => c.getOptionValueSource(name) === 'cli');
    return from ? from.getOptionValue(name) : command.getOptionValue(name);
  };
  return {
    project: given('project') as string | undefined,
    quiet: given('quiet') === true,
    verbose: given('verbose') === true,
    progress: given('progress') !== false,
    commandLine,
  };
}

/** commander's error as one line that names the option or argument and the command, or an outcome. */
function translate(error: CommanderError, command: Command, path: string, own: readonly OptionDefinition[]): Error | ProgramOutcome {
  const help = `see \`${path} --help\``;
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return new ProgramOutcome(0);
    case 'commander.help':
      // Help asked for (exit 0), or shown on stderr because no command was given (exit 2).
      return new ProgramOutcome(error.exitCode === 0 ? 0 : 2);
    case 'commander.unknownOption': {
      const [, flag = '', suggestion] = /unknown option '([^']*)'(?:\s*\(Did you mean (\S+)\?\))?/.exec(error.message) ?? [];
      const name = flag.split('=')[0]!;
      const known = [...own, ...GLOBAL_OPTIONS].find((option) => option.flags.split(/[ ,]+/).includes(name));
      if (flag.includes('=') && known && !known.flags.includes('<')) return new UsageError(`\`${name}\` of \`${path}\` takes no value, got \`${flag}\``);
      const hint = suggestion ? `did you mean \`${suggestion}\`? ` : '';
      return new UsageError(`\`${flag}\` is not an option of \`${path}\`; ${hint}${help}`);
    }
    case 'commander.unknownCommand': {
      const words = [...path.split(' ').slice(1), command.args[0] ?? ''].join(' ');
      const names = command.commands.map((c) => c.name()).filter((name) => name !== 'help');
      return new UsageError(`unknown command \`${words}\`; the commands are ${names.join(', ')} (${help})`);
    }
    case 'commander.optionMissingArgument': {
      const [, flags = ''] = /option '([^']*)'/.exec(error.message) ?? [];
      return new UsageError(`\`${flags}\` of \`${path}\` needs a value; ${help}`);
    }
    case 'commander.missingArgument': {
      const [, name = ''] = /argument '([^']*)'/.exec(error.message) ?? [];
      return new UsageError(`\`${path}\` needs ${name}; ${help}`);
    }
    case 'commander.excessArguments': {
      const expected = command.registeredArguments.length;
      const extra = command.args.slice(expected).map((arg) => `\`${arg}\``).join(', ');
      return new UsageError(`unexpected argument${command.args.length - expected > 1 ? 's' : ''} ${extra} for \`${path}\`${expected === 0 ? ', which takes none' : ''}; ${help}`);
    }
    default:
      return new UsageError(`${error.message.replace(/^error: /, '').split('\n')[0]}; ${help}`);
  }
}

/** Under each command's help: its exit codes and examples. */
function commandFooter(definition: CommandDefinition): string {
  const codes = Object.entries(definition.exitCodes).map(([code, meaning]) => `  ${code.padEnd(4)} ${meaning}`);
  return `\nExit codes:\n${codes.join('\n')}\n\nExamples:\n${definition.examples.map((line) => `  ${line}`).join('\n')}\n`;
}

function sentence(summary: string): string {
  return `${summary[0]!.toUpperCase()}${summary.slice(1)}.`;
}

/** `cutover --help` (and, on stderr, `cutover` alone). */
function overview(commands: readonly CommandDefinition[]): string {
  const usage = (definition: CommandDefinition) => `${definition.name}${definition.arguments ? ` ${definition.arguments.replace('...', '…')}` : ''}`;
  const width = Math.max(...commands.map((c) => usage(c).length)) + 2;
  const globals = GLOBAL_OPTIONS.map((option) => {
    const flags = option.flags.startsWith('--') ? `    ${option.flags}` : option.flags;
    return `  ${flags.padEnd(24)} ${option.description}${option.defaultText ? ` (default: ${option.defaultText})` : ''}`;
  });
  return [
    'cutover: move a company off its legacy CRM, re-runnably, with every row accounted for.',
    '',
    'Usage: cutover <command> [options]',
    '',
    'Commands:',
    ...commands.map((definition) => `  ${usage(definition).padEnd(width)} ${definition.summary}`),
    `  ${'help <command>'.padEnd(width)} the help of a command (also: cutover <command> --help)`,
    '',
    'Global options (with any command):',
    ...globals,
    `  ${'-h, --help'.padEnd(24)} this help, or a command's own with its options`,
    `  ${'    --version'.padEnd(24)} the version of cutover`,
    '',
    'Exit codes: 0 done (and reconciled), 1 discrepancies found, 2 could not run (the message says why),',
    '130 stopped by Ctrl-C (143 by SIGTERM; committed batches are kept, the message says how to resume).',
    '',
    'Run `cutover <command> --help` for the options, exit codes and an example of each command.',
    '',
  ].join('\n');
}
