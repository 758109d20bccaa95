/**
 * Reading the project's Markdown as GitHub shows it, for the docs test: prose and fenced code
 * blocks apart, relative links and the heading anchors they may point at, and the `cutover …`
 * command lines of shell blocks checked against the command table (imported, never spawned).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandDefinition, OptionDefinition } from '../../scripts/cli/command-definition.js';

export interface FencedBlock {
  /** The info string's first word: `sh`, `yaml`, or '' for none. */
  readonly language: string;
  /** 1-based line number of each line inside the fences. */
  readonly lines: readonly { readonly number: number; readonly text: string }[];
}

export interface MarkdownFile {
  readonly file: string;
  /** Lines outside fenced blocks, with their 1-based numbers. */
  readonly prose: readonly { readonly number: number; readonly text: string }[];
  readonly blocks: readonly FencedBlock[];
}

export function parseMarkdown(file: string, text: string): MarkdownFile {
  const prose: { number: number; text: string }[] = [];
  const blocks: FencedBlock[] = [];
  let open: { fence: string; block: { language: string; lines: { number: number; text: string }[] } } | null = null;
  text.split('\n').forEach((line, index) => {
    const number = index + 1;
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.fence[0] && fence[1]!.length >= open.fence.length && line.trim() === fence[1]) {
        blocks.push(open.block);
        open = null;
      } else open.block.lines.push({ number, text: line });
    } else if (fence) open = { fence: fence[1]!, block: { language: fence[2]!.toLowerCase(), lines: [] } };
    else prose.push({ number, text: line });
  });
  if (open) blocks.push((open as { block: FencedBlock }).block);
  return { file, prose, blocks };
}

/** GitHub's anchor for a heading: the text as rendered, lower-cased, punctuation dropped, spaces to `-`. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/`+([^`]*)`+/g, '$1') // code spans show their content
    .replace(/<[^>]+>/g, ''); // inline HTML tags show nothing
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of a file's headings, repeated headings numbered `-1`, `-2` as GitHub does. */
export function headingAnchors(markdown: MarkdownFile): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of markdown.prose) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of inline and reference links in prose (code spans left out), with their lines. */
export function linkTargets(markdown: MarkdownFile): { line: number; target: string }[] {
  const targets: { line: number; target: string }[] = [];
  for (const { number, text } of markdown.prose) {
    const withoutCode = text.replace(/(`+)[\s\S]*?\1/g, '');
    for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push({ line: number, target: match[1]! });
    const reference = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(withoutCode);
    if (reference) targets.push({ line: number, target: reference[1]! });
  }
  return targets;
}

/**
 * Each relative link of `markdown` that does not resolve: to no file, or (`#anchor`) to no
 * heading of the Markdown file it names. Links with a scheme (`https:`, `mailto:`) are not followed.
 */
export function brokenLinks(markdown: MarkdownFile, readMarkdown: (file: string) => MarkdownFile = readMarkdownFile): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    const where = `${markdown.file}:${line}: \`${target}\``;
    if (pathPart === '') {
      if (anchor !== null && !headingAnchors(markdown).has(anchor)) problems.push(`${where}: no heading with the anchor #${anchor} in this file`);
      continue;
    }
    const file = path.resolve(path.dirname(markdown.file), pathPart);
    if (!existsSync(file)) {
      problems.push(`${where}: no file ${pathPart}`);
      continue;
    }
    if (anchor === null) continue;
    if (statSync(file).isDirectory() || !file.endsWith('.md')) problems.push(`${where}: an anchor into a file that is not Markdown`);
    else if (!headingAnchors(readMarkdown(file)).has(anchor)) problems.push(`${where}: no heading with the anchor #${anchor} in ${pathPart}`);
  }
  return problems;
}

export function readMarkdownFile(file: string): MarkdownFile {
  return parseMarkdown(file, readFileSync(file, 'utf8'));
}

const SHELL_LANGUAGES = new Set(['', 'sh', 'bash', 'shell', 'zsh', 'console']);

/** The words of each `cutover …` command in the shell blocks, up to a shell operator; comments left out. */
export function cutoverCommandLines(markdown: MarkdownFile): { line: number; words: string[] }[] {
  const found: { line: number; words: string[] }[] = [];
  for (const block of markdown.blocks) {
    if (!SHELL_LANGUAGES.has(block.language)) continue;
    for (const { number, text } of block.lines) {
      for (const command of shellCommands(text)) {
        const start = command.findIndex((word) => word === 'cutover');
        if (start >= 0) found.push({ line: number, words: command.slice(start + 1) });
      }
    }
  }
  return found;
}

/** A line split into simple commands (at `&&`, `|`, `;`, `(`, `)`, `<`, `>`), each as its words with quotes removed; a `#` comment ends it. */
function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  const endWord = () => {
    if (word !== null) commands.at(-1)!.push(word);
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) endWord();
    else if (char === '#' && word === null) break;
    else if ('|&;()<>'.includes(char)) {
      endWord();
      if (commands.at(-1)!.length > 0) commands.push([]);
    } else word = (word ?? '') + char;
  }
  endWord();
  return commands.filter((command) => command.length > 0);
}

function optionNames(option: OptionDefinition): string[] {
  return option.flags.split(/[ ,|]+/).filter((word) => word.startsWith('-'));
}

const HELP: OptionDefinition = { flags: '-h, --help', description: 'help' };
const VERSION: OptionDefinition = { flags: '--version', description: 'version' };

/**
 * What is wrong with `cutover WORDS`, or null: a command that does not exist, or an option the
 * command (or every command) does not declare. `help <command>` and `rejects` (for `rejects list`)
 * are understood as the command line understands them.
 */
export function commandLineProblem(words: readonly string[], commands: readonly CommandDefinition[], globalOptions: readonly OptionDefinition[]): string | null {
  const byName = new Map(commands.map((command) => [command.name, command]));
  let command: CommandDefinition | null = null;
  let helpFor = false;
  const declared = (): readonly OptionDefinition[] => [...globalOptions, HELP, ...(command ? (command.options ?? []) : [VERSION])];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('-') && word !== '-') {
      const name = word.split('=')[0]!;
      const option = declared().find((candidate) => optionNames(candidate).includes(name));
      if (!option) return `\`${name}\` is not an option of \`cutover${command ? ` ${command.name}` : ''}\``;
      const takesValue = option.flags.includes('<') || (option.flags.includes('[') && !(words[i + 1] ?? '-').startsWith('-'));
      if (takesValue && !word.includes('=')) i++;
      continue;
    }
    if (command) continue; // a positional argument
    if (word === 'help' && !helpFor) {
      helpFor = true;
      continue;
    }
    const next = words[i + 1];
    const twoWords = next === undefined ? undefined : byName.get(`${word} ${next}`);
    const grouped = commands.find((candidate) => candidate.isDefault && candidate.name.startsWith(`${word} `));
    command = twoWords ?? byName.get(word) ?? grouped ?? null;
    if (!command) return `no command \`${word}\``;
    if (twoWords) i++;
  }
  return null;
}
