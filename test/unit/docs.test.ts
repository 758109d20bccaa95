/**
 * The README and docs/ as a reader meets them: the README stays a short front door, every
 * relative link lands on a file (and, with `#anchor`, on a heading there), and every `cutover …`
 * line of their shell blocks names a command that exists with options that command declares.
 * What this does not check is said in docs/tests.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../scripts/cli/command-table.js';
import { brokenLinks, commandLineProblem, cutoverCommandLines, githubSlug, headingAnchors, parseMarkdown, readMarkdownFile } from '../support/markdown-docs.js';

const README = packagePath('README.md');
const DOCS = packagePath('docs');
const PAGES = [README, ...readdirSync(DOCS).filter((name) => name.endsWith('.md')).sort().map((name) => path.join(DOCS, name))];
/** Files that link into the pages: their links are checked too, their code blocks are not. */
const LINKING = [packagePath('BENCHMARKS.md')];

const relative = (file: string) => path.relative(packagePath(), file);

describe('the README and docs/', () => {
  it('keeps the README under 15 KB', () => {
    expect(Buffer.byteLength(readFileSync(README, 'utf8'))).toBeLessThan(15_000);
  });

  it('has the reference pages the README links to', () => {
    expect(PAGES.map(relative)).toEqual(expect.arrayContaining(['docs/commands.md', 'docs/connections.md', 'docs/mapping.md', 'docs/tests.md']));
  });

  it.each([...PAGES, ...LINKING].map((file) => [relative(file), file]))('%s: every relative link resolves to a file and, with #anchor, to a heading there', (_name, file) => {
    const markdown = readMarkdownFile(file);
    expect(brokenLinks(markdown).map((problem) => problem.replace(`${file}:`, `${relative(file)}:`))).toEqual([]);
  });

  it('names only commands that exist, with options they declare, in the shell blocks', () => {
    const lines = PAGES.flatMap((file) => cutoverCommandLines(readMarkdownFile(file)).map((found) => ({ ...found, file: relative(file) })));
    // The pages show most commands; a parser that found none would pass vacuously.
    expect(lines.length).toBeGreaterThan(10);
    const problems = lines.flatMap(({ file, line, words }) => {
      const problem = commandLineProblem(words, COMMANDS, GLOBAL_OPTIONS);
      return problem ? [`${file}:${line}: cutover ${words.join(' ')}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it("slugs headings as GitHub does", () => {
    expect(githubSlug('Environment variables and `.env`')).toBe('environment-variables-and-env');
    expect(githubSlug('One run at a time, and commands during a run')).toBe('one-run-at-a-time-and-commands-during-a-run');
    expect(githubSlug('Retries and time-outs')).toBe('retries-and-time-outs');
    expect(githubSlug('`target.api` settings')).toBe('targetapi-settings');
    expect(githubSlug('Über dates_and [links](x.md)')).toBe('über-dates_and-links');
    const anchors = headingAnchors(parseMarkdown('x.md', '# Notes\n\n```sh\n# not a heading\n```\n\n## Notes\n### Notes\n'));
    expect([...anchors]).toEqual(['notes', 'notes-1', 'notes-2']);
  });

  it('reports a missing file, a missing anchor and an anchor in the same file, not links with a scheme or in code', () => {
    const file = path.join(DOCS, 'example.md');
    const markdown = parseMarkdown(
      file,
      [
        '# Example',
        '[ok](#example) [ok](../README.md#point-it-at-the-real-systems) [ok](https://example.com/#nothing) `[code](gone.md)`',
        '[gone](gone.md) [no anchor](commands.md#no-such-heading) [here](#nowhere)',
        '```sh',
        '[in a block](gone-too.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(markdown).map((problem) => problem.slice(file.length + 1))).toEqual([
      '3: `gone.md`: no file gone.md',
      '3: `commands.md#no-such-heading`: no heading with the anchor #no-such-heading in commands.md',
      '3: `#nowhere`: no heading with the anchor #nowhere in this file',
    ]);
  });

  it('finds cutover command lines in shell blocks only, and refuses unknown commands and options', () => {
    const markdown = parseMarkdown(
      'x.md',
      [
        '```sh',
        "LEGACY_URL='file://./b?key_env=K' npx cutover run -p mappings/example --full   # cutover nosuch",
        'source <(cutover completion bash) && cutover help backup verify',
        '```',
        '```yaml',
        'cutover nosuch --at-all',
        '```',
      ].join('\n'),
    );
    const lines = cutoverCommandLines(markdown);
    expect(lines).toEqual([
      { line: 2, words: ['run', '-p', 'mappings/example', '--full'] },
      { line: 3, words: ['completion', 'bash'] },
      { line: 3, words: ['help', 'backup', 'verify'] },
    ]);
    const problem = (line: string) => commandLineProblem(line.split(' ').filter(Boolean), COMMANDS, GLOBAL_OPTIONS);
    expect(lines.map(({ words }) => commandLineProblem(words, COMMANDS, GLOBAL_OPTIONS))).toEqual([null, null, null]);
    expect(problem('-p ./crm reconcile --counts-only --wait-timeout=60')).toBeNull();
    expect(problem('rejects --entity customers --limit 5')).toBeNull();
    expect(problem('backup verify ./b --against --json')).toBeNull();
    expect(problem('--version')).toBeNull();
    expect(problem('nosuch --json')).toBe('no command `nosuch`');
    expect(problem('validate --full')).toBe('`--full` is not an option of `cutover validate`');
    expect(problem('backup decrypt ./b --to ./c --json')).toBe('`--json` is not an option of `cutover backup decrypt`');
    expect(problem('run --version')).toBe('`--version` is not an option of `cutover run`');
  });
});
