/**
 * CSV records from a stream of text chunks, with the physical line each starts on and its raw
 * text. Parsing is papaparse's (its low-level `Parser`, fed one chunk at a time with the unparsed
 * tail carried over, the way papaparse's own `ChunkStreamer` does); this module adds what the
 * streamers do not expose: line numbers that count quoted line breaks, the raw text of each
 * record for rejects, delimiter sniffing on a sample, files that mix CRLF and LF, and
 * re-synchronisation after a quote that is never closed.
 */
import Papa from 'papaparse';
import { DEFAULT_MAX_QUOTED_CHARS, DEFAULT_MAX_QUOTED_LINES, SNIFFED_DELIMITERS } from './file-config.js';
import { FatalError } from '../errors.js';
import { findRunawayQuote, type QuoteBounds, type RunawayCause, type RunawayQuote } from './runaway-quote.js';

/** One record as it is in the file. */
export interface CsvRecord {
  /** 1-based physical line where the record starts (line breaks inside quotes count). */
  readonly line: number;
  /** The fields; for a record cut at an unclosed quote, only those before the quote. */
  readonly fields: readonly string[];
  /** The record's text without its final line break, for rejects (at most 64 Ki characters and a note of what was left out). */
  readonly text: string;
  /** What is wrong with the quoting, or null. */
  readonly problem: CsvProblem | null;
  /** The delimiter the record was parsed with (given or sniffed). */
  readonly delimiter: string;
}

/** What is wrong with a record's quoting. */
export interface CsvProblem {
  /**
   * `malformed`: papaparse's complaint about a quote within the record's own line(s);
   * `unclosed`: a quote that is never closed, the record cut at the end of the quote's line.
   */
  readonly kind: 'malformed' | 'unclosed';
  /** A sentence for rejects: what is wrong, where, and how to fix it. */
  readonly reason: string;
}

export interface CsvDialect {
  readonly delimiter: string;
  /**
   * `\r` for classic-Mac files; otherwise `\n`, which also ends CRLF records (their `\r` is removed
   * from the last field), so that a file mixing CRLF and LF lines parses line by line.
   */
  readonly newline: '\n' | '\r';
}

export interface CsvReadOptions {
  /** Null sniffs one of `,` `;` tab `|` from the first records. */
  readonly delimiter: string | null;
  /** Lines before this one are not looked at when sniffing. @default 1 */
  readonly headerRow?: number;
  /**
   * Line breaks a quoted value may hold; a quote open over more lines is taken for one that is
   * never closed. @default {@link DEFAULT_MAX_QUOTED_LINES}
   */
  readonly maxQuotedLines?: number;
  /** Characters a quoted value may hold, likewise. @default {@link DEFAULT_MAX_QUOTED_CHARS} */
  readonly maxQuotedChars?: number;
  /**
   * A record longer than this with no quoted value out of bounds (a file without the line break
   * it was sniffed with) stops the read. @default twice `maxQuotedChars`, at least 32 Mi characters
   */
  readonly maxRecordChars?: number;
}

/** Characters looked at to sniff the line break and the delimiter. */
const SAMPLE_CHARS = 64 * 1024;
const SNIFF_RECORDS = 20;
const MIN_MAX_RECORD_CHARS = 32 * 1024 * 1024;
/** Text kept of a record cut at an unclosed quote, so that a runaway value is not held whole. */
const PAYLOAD_CHARS = 64 * 1024;

/**
 * Yields the records of a CSV text, blank lines left out. `file` names the file in messages.
 * The sample for sniffing is the first 64 Ki characters, so the first records are parsed only once
 * that much has been read (or the file ended).
 *
 * A quote that is never closed does not swallow the records after it: the record is cut at the end
 * of the quote's line (a reject of its own, problem `unclosed`) and reading goes on at the next
 * line. A quote counts as never closed when the file ends inside it, when the next quote after
 * its line is not a closing one, or when it holds more than `maxQuotedLines` line breaks or
 * `maxQuotedChars` characters (so that it is found without holding the rest of the file).
 */
export async function* readCsvRecords(chunks: AsyncIterable<string>, options: CsvReadOptions, file: string): AsyncGenerator<CsvRecord> {
  let parser: CsvChunkParser | null = null;
  let sample = '';
  for await (const chunk of chunks) {
    if (parser === null) {
      sample += chunk;
      if (sample.length < SAMPLE_CHARS) continue;
      parser = new CsvChunkParser(sniffCsvDialect(sample, options, false), options, file);
      yield* parser.push(sample, false);
      sample = '';
    } else {
      yield* parser.push(chunk, false);
    }
  }
  parser ??= new CsvChunkParser(sniffCsvDialect(sample, options, true), options, file);
  yield* parser.push(sample, true);
}

/** A record cut at an unclosed quote whose line goes on past the text read so far. */
interface SkippedLine {
  readonly line: number;
  readonly fields: readonly string[];
  readonly problem: CsvProblem;
  /** The record's first characters (at most 64 Ki). */
  head: string;
  /** Characters of the record so far, without its line break. */
  length: number;
}

/**
 * Papaparse's `Parser` over a growing text: each `push` parses the unparsed tail plus the new
 * chunk, returns the complete records, and keeps the incomplete last one for the next push.
 */
class CsvChunkParser {
  readonly #parser: Papa.Parser;
  readonly #dialect: CsvDialect;
  readonly #bounds: QuoteBounds;
  readonly #maxRecordChars: number;
  readonly #file: string;
  #steps: { fields: string[]; end: number; problem: string | null }[] = [];
  /** Text not yet returned as records, starting at absolute offset `#base`. */
  #pending = '';
  #base = 0;
  #line = 1;
  #skipping: SkippedLine | null = null;

  constructor(dialect: CsvDialect, options: CsvReadOptions, file: string) {
    this.#dialect = dialect;
    this.#bounds = { maxLines: options.maxQuotedLines ?? DEFAULT_MAX_QUOTED_LINES, maxChars: options.maxQuotedChars ?? DEFAULT_MAX_QUOTED_CHARS };
    this.#maxRecordChars = options.maxRecordChars ?? Math.max(MIN_MAX_RECORD_CHARS, 2 * this.#bounds.maxChars);
    this.#file = file;
    this.#parser = new Papa.Parser({
      delimiter: dialect.delimiter,
      newline: dialect.newline,
      quoteChar: '"',
      escapeChar: '"',
      // Called synchronously, once per record, inside parse(); `meta.cursor` is the absolute offset after the record.
      step: (result: Papa.ParseStepResult<string[]>) => {
        const data = result.data as unknown as string[][];
        this.#steps.push({ fields: data[0] ?? [], end: result.meta.cursor, problem: result.errors[0]?.message ?? null });
      },
    });
  }

  push(text: string, final: boolean): CsvRecord[] {
    const records: CsvRecord[] = [];
    this.#pending += text;
    if (this.#skipping !== null && !this.#skipRestOfLine(records, final)) return records;
    // Each round that cuts a record at an unclosed quote parses again from the line after the quote.
    while (this.#parsePending(records, final));
    return records;
  }

  /** Parses `#pending` into `records`; true when it cut a record at an unclosed quote and the rest is to be parsed again. */
  #parsePending(records: CsvRecord[], final: boolean): boolean {
    // ignoreLastRow while more text may come: the last record may be cut in the middle.
    this.#parser.parse(this.#pending, this.#base, !final);
    const steps = this.#steps;
    this.#steps = [];
    let start = this.#base;
    for (const step of steps) {
      const raw = this.#pending.slice(start - this.#base, step.end - this.#base);
      const breaks = countLineBreaks(raw);
      if (step.problem !== null || breaks > this.#bounds.maxLines || raw.length > this.#bounds.maxChars) {
        const runaway = findRunawayQuote(raw, this.#dialect.delimiter, this.#dialect.newline, this.#bounds, true);
        if (runaway !== null) {
          this.#consume(start);
          return this.#cut(records, runaway, final);
        }
      }
      const line = this.#line;
      this.#line += breaks;
      start = step.end;
      const recordText = withoutLineBreak(raw);
      // A blank line is not a record (papaparse returns it as one empty field).
      if (recordText === '' && step.problem === null) continue;
      const problem: CsvProblem | null =
        step.problem === null ? null : { kind: 'malformed', reason: `malformed quoting: ${lowerFirst(step.problem)}; a quote inside a quoted field is written twice ("")` };
      records.push({ line, fields: this.#withoutCarriageReturn(step.fields, raw), text: recordText, problem, delimiter: this.#dialect.delimiter });
    }
    this.#consume(final ? this.#base + this.#pending.length : start);
    if (final) return false;
    // The incomplete last record: a quote open beyond the bounds is cut now rather than held to the end of the file.
    if (this.#pending.length > this.#bounds.maxChars || countLineBreaks(this.#pending) > this.#bounds.maxLines) {
      const runaway = findRunawayQuote(this.#pending, this.#dialect.delimiter, this.#dialect.newline, this.#bounds, false);
      if (runaway !== null) return this.#cut(records, runaway, false);
    }
    if (this.#pending.length > this.#maxRecordChars) {
      throw new FatalError(
        `${this.#file}:${this.#line}: the record starting on this line is longer than ${this.#maxRecordChars} characters without a line break ` +
          'between its fields; check that this is a CSV file and that its lines end with LF, CRLF or CR',
      );
    }
    return false;
  }

  /**
   * Makes the record at the start of `#pending` end with the line of its runaway quote, as a
   * reject, so that the lines after it are read as records again. When that line goes on past
   * what has been read, its start is kept and the rest skipped as it comes.
   */
  #cut(records: CsvRecord[], runaway: RunawayQuote, final: boolean): boolean {
    const quoteLine = this.#line + countLineBreaks(this.#pending.slice(0, runaway.at));
    const fields = fieldsBefore(this.#pending.slice(0, runaway.at), this.#dialect);
    const problem: CsvProblem = { kind: 'unclosed', reason: unclosedQuoteReason(quoteLine, runaway.cause, this.#bounds) };
    const lineEnd = this.#pending.indexOf(this.#dialect.newline, runaway.at);
    if (lineEnd < 0 && !final) {
      // A CR at the end may be the first half of a CRLF that ends the line.
      const text = this.#pending.endsWith('\r') ? this.#pending.slice(0, -1) : this.#pending;
      this.#skipping = { line: this.#line, fields, problem, head: text.slice(0, PAYLOAD_CHARS), length: text.length };
      this.#line += countLineBreaks(text);
      this.#consume(this.#base + text.length);
      return false;
    }
    const end = lineEnd < 0 ? this.#pending.length : lineEnd + 1;
    const raw = this.#pending.slice(0, end);
    const text = withoutLineBreak(raw);
    records.push({ line: this.#line, fields, text: payloadText(text, text.length), problem, delimiter: this.#dialect.delimiter });
    this.#line += countLineBreaks(raw);
    this.#consume(this.#base + end);
    return true;
  }

  /** Skips to the end of the line of a cut record; true when it ended (and the record is in `records`). */
  #skipRestOfLine(records: CsvRecord[], final: boolean): boolean {
    const skipped = this.#skipping!;
    const lineEnd = this.#pending.indexOf(this.#dialect.newline);
    const holdBack = lineEnd < 0 && !final && this.#pending.endsWith('\r') ? 1 : 0;
    const end = lineEnd >= 0 ? lineEnd + 1 : this.#pending.length - holdBack;
    const raw = this.#pending.slice(0, end);
    this.#line += countLineBreaks(raw);
    this.#consume(this.#base + end);
    const text = lineEnd >= 0 || final ? withoutLineBreak(raw) : raw;
    skipped.length += text.length;
    if (skipped.head.length < PAYLOAD_CHARS) skipped.head += text.slice(0, PAYLOAD_CHARS - skipped.head.length);
    if (lineEnd < 0 && !final) return false;
    this.#skipping = null;
    records.push({ line: skipped.line, fields: skipped.fields, text: payloadText(skipped.head, skipped.length), problem: skipped.problem, delimiter: this.#dialect.delimiter });
    return true;
  }

  #consume(offset: number): void {
    this.#pending = this.#pending.slice(offset - this.#base);
    this.#base = offset;
  }

  /**
   * With `\n` as the line break, an unquoted last field of a CRLF record ends with `\r`; a quoted
   * one does not (papaparse skips whitespace after a closing quote). The field is unquoted exactly
   * when the record's text ends with it.
   */
  #withoutCarriageReturn(fields: string[], raw: string): string[] {
    if (this.#dialect.newline !== '\n' || !raw.endsWith('\r\n')) return fields;
    const last = fields[fields.length - 1];
    if (last === undefined || !last.endsWith('\r') || !raw.slice(0, -1).endsWith(last)) return fields;
    fields[fields.length - 1] = last.slice(0, -1);
    return fields;
  }
}

/** The fields of a record's text up to the opening quote of one of its fields (which is left out). */
function fieldsBefore(text: string, dialect: CsvDialect): string[] {
  if (text === '') return [];
  const result = new Papa.Parser({ delimiter: dialect.delimiter, newline: dialect.newline, quoteChar: '"', escapeChar: '"' }).parse(text, 0, false);
  return ((result.data as string[][])[0] ?? []).slice(0, -1);
}

function unclosedQuoteReason(quoteLine: number, cause: RunawayCause, bounds: QuoteBounds): string {
  const fix = `close the quote on line ${quoteLine}, or write a quote inside a value twice ("")`;
  const resumed = 'the lines after it are read as records of their own';
  switch (cause) {
    case 'end-of-file':
      return `unclosed quote: the quoted value opened on line ${quoteLine} is never closed (the file ends inside it); ${resumed}. Fix the file: ${fix}`;
    case 'next-quote':
      return `unclosed quote: the quoted value opened on line ${quoteLine} runs past the end of its line and the next quote does not close it; ${resumed}. Fix the file: ${fix}`;
    case 'lines':
    case 'chars': {
      const [limit, unit, option] = cause === 'lines' ? [bounds.maxLines, 'line breaks', 'max_quoted_lines'] : [bounds.maxChars, 'characters', 'max_quoted_chars'];
      return (
        `unclosed quote: the quoted value opened on line ${quoteLine} holds more than ${limit} ${unit}; ${resumed}. Fix the file: ${fix}; ` +
        `if the value really is that long, raise \`${option}\` in the connection URL (e.g. ?${option}=${limit * 10})`
      );
    }
  }
}

/** `text`, the first characters of a record `length` characters long, cut to the payload size. */
function payloadText(text: string, length: number): string {
  if (length <= PAYLOAD_CHARS) return text;
  return `${text.slice(0, PAYLOAD_CHARS)}… (${length - PAYLOAD_CHARS} more characters left out)`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Sniffs the line break (the first one outside quotes) and, unless given, the delimiter: the
 * candidate that splits the header into two or more fields and gives the most following records
 * the header's field count; ties go to the earlier candidate (`,` `;` tab `|`).
 */
export function sniffCsvDialect(sample: string, options: CsvReadOptions, complete: boolean): CsvDialect {
  const newline = sniffNewline(sample, complete);
  if (options.delimiter !== null) return { delimiter: options.delimiter, newline };
  const text = skipLines(sample, (options.headerRow ?? 1) - 1);
  let best: { delimiter: string; score: number } = { delimiter: ',', score: 0 };
  for (const delimiter of SNIFFED_DELIMITERS) {
    const result = new Papa.Parser({ delimiter, newline, quoteChar: '"', escapeChar: '"', preview: SNIFF_RECORDS }).parse(text, 0, !complete);
    const counts = (result.data as string[][]).filter((row) => row.length > 1 || (row[0] ?? '').trim() !== '').map((row) => row.length);
    const header = counts[0] ?? 0;
    if (header < 2) continue;
    const score = counts.filter((count) => count === header).length * 1_000 + Math.min(header, 999);
    if (score > best.score) best = { delimiter, score };
  }
  return { delimiter: best.delimiter, newline };
}

function sniffNewline(sample: string, complete: boolean): '\n' | '\r' {
  const unquoted = sample.replace(/"[^"]*(?:"|$)/g, '');
  const match = /\r\n|\r|\n/.exec(unquoted);
  // A lone \r at the very end of an incomplete sample may be the first half of a CRLF.
  if (match?.[0] === '\r' && (complete || match.index < unquoted.length - 1)) return '\r';
  return '\n';
}

function skipLines(text: string, count: number): string {
  let at = 0;
  const lineBreak = /\r\n|\r|\n/g;
  for (let i = 0; i < count; i++) {
    lineBreak.lastIndex = at;
    const match = lineBreak.exec(text);
    if (!match) return '';
    at = match.index + match[0].length;
  }
  return text.slice(at);
}

/** CRLF, CR and LF each end one physical line. By `indexOf`, which is much faster than a loop over a long value. */
export function countLineBreaks(text: string): number {
  let count = 0;
  let lf = text.indexOf('\n');
  let cr = text.indexOf('\r');
  while (lf >= 0 || cr >= 0) {
    count++;
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      if (lf === cr + 1) lf = text.indexOf('\n', lf + 1);
      cr = text.indexOf('\r', cr + 1);
    } else {
      lf = text.indexOf('\n', lf + 1);
    }
  }
  return count;
}

function withoutLineBreak(raw: string): string {
  if (raw.endsWith('\r\n')) return raw.slice(0, -2);
  if (raw.endsWith('\n') || raw.endsWith('\r')) return raw.slice(0, -1);
  return raw;
}
