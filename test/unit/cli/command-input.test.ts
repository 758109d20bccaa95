import { describe, expect, it } from 'vitest';
import { attributeName, CommandInput } from '../../../scripts/cli/command-definition.js';
import { resumeCommandLine, shellQuote } from '../../../scripts/cli/shell-quote.js';
import { UsageError } from '../../../scripts/cli/usage-error.js';

const global = { project: undefined, quiet: false, verbose: false, progress: true };
const options = [
  { flags: '--format <FORMAT>', description: '', choices: ['terminal', 'json'] },
  { flags: '--json', description: '' },
  { flags: '--limit <N>', description: '' },
  { flags: '--against [URL]', description: '' },
];
const input = (values: Record<string, unknown>) => new CommandInput('plan', global, [], values, options);

describe('CommandInput', () => {
  it('checks choices and integers with messages that say what was expected and what came', () => {
    expect(input({ format: 'json' }).text('format')).toBe('json');
    expect(() => input({ format: 'xlsx' }).text('format')).toThrow(new UsageError('Expected `--format` to be one of terminal, json, got `xlsx`'));
    expect(input({}).integer('limit', 100, 1)).toBe(100);
    expect(input({ limit: '7' }).integer('limit', 100, 1)).toBe(7);
    for (const bad of ['0', '1.5', 'all', ' ']) expect(() => input({ limit: bad }).integer('limit', 100, 1)).toThrow(`Expected \`--limit\` to be an integer ≥ 1, got \`${bad}\``);
  });

  it('reads --json as --format json, and refuses the two when they disagree', () => {
    expect(input({ json: true }).format('terminal')).toBe('json');
    expect(input({}).format('terminal')).toBe('terminal');
    expect(input({ json: true, format: 'json' }).format('terminal')).toBe('json');
    expect(() => input({ json: true, format: 'terminal' }).format('terminal')).toThrow('`--json` and `--format terminal` contradict each other');
  });

  it('reads an option with an optional value as absent, bare or its value', () => {
    expect(input({}).valueOrFlag('against')).toBe(false);
    expect(input({ against: true }).valueOrFlag('against')).toBe(true);
    expect(input({ against: 'mysql://db/x' }).valueOrFlag('against')).toBe('mysql://db/x');
  });

  it('refuses to read an option its definition does not declare (a mistake in the table)', () => {
    expect(() => input({ full: true }).flag('full')).toThrow('`cutover plan` reads an option `full` its definition does not declare');
  });

  it('names options as commander does', () => {
    expect(attributeName('--detect-deletes')).toBe('detectDeletes');
    expect(attributeName('-p, --project <DIR>')).toBe('project');
    expect(attributeName('--no-progress')).toBe('progress');
  });
});

describe('resume hints', () => {
  it('quote what a shell would split or expand, and leave plain words alone', () => {
    expect(shellQuote('/srv/crm-2026/project')).toBe('/srv/crm-2026/project');
    expect(shellQuote('my project')).toBe("'my project'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('')).toBe("''");
  });

  it('repeat the command as given, without what would start over', () => {
    expect(resumeCommandLine(['run', 'customers', '-p', 'my project', '--full'])).toBe("cutover run customers -p 'my project' --full");
    expect(resumeCommandLine(['demo', '--dir', 'd', '--fresh'])).toBe('cutover demo --dir d');
  });
});
