/**
 * The command line as a newcomer meets it, through the built executable: `--version`, the overview,
 * each command's own help (its options and not another command's), a refusal of an option that
 * is not the command's, usage mistakes on stderr with exit 2, and the shell completion.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import type { OptionDefinition } from '../../scripts/cli/command-definition.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../scripts/cli/command-table.js';
import { completionScript } from '../../scripts/cli/completion-script.js';
import { runCli } from '../support/cli.js';

const longFlag = (option: OptionDefinition) => option.flags.split(/[ ,]+/).find((word) => word.startsWith('--'))!;
const ownFlags = (name: string) => (COMMANDS.find((c) => c.name === name)!.options ?? []).filter((o) => !o.hidden).map(longFlag);
const everyFlag = [...new Set(COMMANDS.flatMap((c) => (c.options ?? []).map(longFlag)))];
const globalFlags = GLOBAL_OPTIONS.map(longFlag);

describe('cutover command line', () => {
  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints the overview on stdout with --help and exit 0, naming every command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^cutover: move a company off its legacy CRM/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command.name}\\b`, 'm'));
    expect((await runCli(['help'])).stdout).toBe(result.stdout);
  });

  it('prints the usage on stderr with exit 2 when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cutover: move a company off its legacy CRM.*\n\nUsage: cutover <command> \[options\]\n/);
  });

  describe.each(COMMANDS.map((command) => [command.name]))('cutover %s', (name) => {
    const own = ownFlags(name);
    const others = everyFlag.filter((flag) => !own.includes(flag) && !globalFlags.includes(flag));

    it('has help of its own: usage, its options and no other command\u2019s, the global options, exit codes, an example', async () => {
      const result = await runCli([...name.split(' '), '--help']);
      expect(result.code, result.stderr).toBe(0);
      const help = result.stdout;
      expect(help).toMatch(new RegExp(`^Usage: cutover ${name} \\[options\\]`));
      for (const flag of [...own, ...globalFlags]) expect(help, flag).toMatch(new RegExp(`^ +(-\\w, )?${flag}\\b`, 'm'));
      // Another command's option appears neither as an option of this one nor anywhere in its list.
      const listed = [...help.matchAll(/^ +(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
      expect(listed.filter((flag) => others.includes(flag!))).toEqual([]);
      expect(help).toMatch(/\nExit codes:\n {2}0 /);
      expect(help).toMatch(/\nExamples:\n {2}.*\bcutover /);
      expect((await runCli(['help', ...name.split(' ')])).stdout).toBe(help);
    });

    it('refuses an option of another command with one line naming the option and the command, exit 2', async () => {
      // An option of another command, else one no command has.
      const foreign = others.find((flag) => !['--json', '--format', '--out'].includes(flag)) ?? '--frobnicate';
      const result = await runCli([...name.split(' '), ...(name === 'backup verify' || name === 'completion' ? ['bash'] : []), foreign]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`cutover: \`${foreign}\` is not an option of \`cutover ${name}\`; see \`cutover ${name} --help\`\n`);
    });
  });

  it('reads global options before or after the command, and refuses what the program does not know', async () => {
    const before = await runCli(['-p', '/no/such/project', 'validate']);
    const after = await runCli(['validate', '-p', '/no/such/project']);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('/no/such/project');
    expect(after).toEqual(before);
    expect(await runCli(['--full', 'run'])).toEqual({ code: 2, stdout: '', stderr: 'cutover: `--full` is not an option of `cutover`; see `cutover --help`\n' });
  });

  it('does not let a parent command take an option meant for its subcommand', async () => {
    const result = await runCli(['backup', 'verify', '/tmp/x', '--to', '/tmp/y']);
    expect(result.stderr).toBe('cutover: `--to` is not an option of `cutover backup verify`; see `cutover backup verify --help`\n');
    expect(result.code).toBe(2);
  });

  it('names the unknown command and lists the known ones, on stderr, exit 2', async () => {
    for (const args of [['migrate'], ['help', 'migrate']]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^cutover: unknown command `migrate`; the commands are demo, init, validate, plan, run, final, status, reconcile, rejects, backup, completion \(see `cutover --help`\)\n$/);
    }
  });

  describe('completion', () => {
    /** What bash offers for the words typed so far (the last one is being completed). */
    function complete(...words: string[]): Promise<string[]> {
      const script = `${completionScript('bash')}
COMP_WORDS=(cutover ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _cutover; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return new Promise((resolve, reject) =>
        execFile('bash', ['--norc', '-c', script], (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.split('\n').filter(Boolean)))),
      );
    }

    it('prints a script for bash and for zsh, and refuses other shells', async () => {
      const bash = await runCli(['completion', 'bash']);
      expect(bash.code).toBe(0);
      expect(bash.stdout).toBe(completionScript('bash'));
      expect(bash.stdout).toContain('complete -o default -F _cutover cutover');
      const zsh = await runCli(['completion', 'zsh']);
      expect(zsh.code).toBe(0);
      expect(zsh.stdout).toMatch(/^#compdef cutover\n/);
      for (const command of COMMANDS) expect(zsh.stdout).toContain(command.name.split(' ').at(-1)!);
      expect(await runCli(['completion', 'fish'])).toMatchObject({ code: 2, stderr: 'cutover: Expected the shell of `cutover completion` to be one of bash, zsh, got `fish`\n' });
    });

    it('completes commands, subcommands, each command\u2019s options and the choices of an option in bash', async () => {
      expect(await complete('re')).toEqual(['reconcile', 'rejects']);
      expect(await complete('backup', 've')).toEqual(['verify']);
      const verify = await complete('backup', 'verify', '--');
      expect(verify).toEqual(expect.arrayContaining(['--against', '--key-env', '--json', '--project', '--help']));
      expect(verify).not.toContain('--to');
      const run = await complete('-p', 'dir', 'run', '--');
      expect(run).toEqual(expect.arrayContaining(['--full', '--detect-deletes', '--json', '--no-progress']));
      expect(run).not.toContain('--format');
      expect(await complete('reconcile', '--format', '')).toEqual(['terminal', 'json', 'csv', 'xlsx', 'html']);
      expect(await complete('rejects', 'list', '--format', 'j')).toEqual(['jsonl']);
    });
  });
});
