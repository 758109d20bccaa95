/**
 * CSV records from a stream of text chunks, with the physical line each starts on and its raw
 * text. Parsing is papaparse's (its low-level `Parser`, fed one chunk at a time with the unparsed
 * tail carried over, the way papaparse's own `ChunkStreamer` does); this module adds what the
 * streamers do not expose: line numbers that count quoted line breaks, the raw text of each
 * record for rejects, delimiter sniffing on a sample, and files that mix CRLF and LF.
 */
import Papa from 'papaparse';
import { SNIFFED_DELIMITERS } from './file-config.js';
import { FatalError } from '../errors.js';

/** One record as it is in the file. */
export interface CsvRecord {
  /** 1-based physical line where the record starts (line breaks inside quotes count). */
  readonly line: number;
  readonly fields: readonly string[];
  /** The record's text without its final line break, for rejects. */
  readonly text: string;
  /** What papaparse found wrong with the quoting (unterminated or malformed quotes), or null. */
  readonly problem: string | null;
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
  /** A record longer than this (usually an unterminated quote) stops the read. @default 32 Mi characters */
  readonly maxRecordChars?: number;
}

/** Characters looked at to sniff the line break and the delimiter. */
const SAMPLE_CHARS = 64 * 1024;
const SNIFF_RECORDS = 20;
const DEFAULT_MAX_RECORD_CHARS = 32 * 1024 * 1024;

/**
 * Yields the records of a CSV text, blank lines left out. `file` names the file in messages.
 * The sample for sniffing is the first 64 Ki characters, so the first records are parsed only once
 * that much has been read (or the file ended).
 */
export async function* readCsvRecords(chunks: AsyncIterable<string>, options: CsvReadOptions, file: string): AsyncGenerator<CsvRecord> {
  let parser: CsvChunkParser | null = null;
  let sample = '';
  for await (const chunk of chunks) {
    if (parser === null) {
      sample += chunk;
      if (sample.length < SAMPLE_CHARS) continue;
      parser = new CsvChunkParser(sniffCsvDialect(sample, options, false), options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS, file);
      yield* parser.push(sample, false);
      sample = '';
    } else {
      yield* parser.push(chunk, false);
    }
  }
  parser ??= new CsvChunkParser(sniffCsvDialect(sample, options, true), options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS, file);
  yield* parser.push(sample, true);
}

/**
 * Papaparse's `Parser` over a growing text: each `push` parses the unparsed tail plus the new
 * chunk, returns the complete records, and keeps the incomplete last one for the next push.
 */
class CsvChunkParser {
  readonly #parser: Papa.Parser;
  readonly #dialect: CsvDialect;
  readonly #maxRecordChars: number;
  readonly #file: string;
  #steps: { fields: string[]; end: number; problem: string | null }[] = [];
  /** Text not yet returned as records, starting at absolute offset `#base`. */
  #pending = '';
  #base = 0;
  #line = 1;

  constructor(dialect: CsvDialect, maxRecordChars: number, file: string) {
    this.#dialect = dialect;
    this.#maxRecordChars = maxRecordChars;
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
    this.#pending += text;
    // ignoreLastRow while more text may come: the last record may be cut in the middle.
    this.#parser.parse(this.#pending, this.#base, !final);
    const records: CsvRecord[] = [];
    let start = this.#base;
    for (const step of this.#steps) {
      const raw = this.#pending.slice(start - this.#base, step.end - this.#base);
      const line = this.#line;
      this.#line += countLineBreaks(raw);
      start = step.end;
      const recordText = withoutLineBreak(raw);
      // A blank line is not a record (papaparse returns it as one empty field).
      if (recordText === '' && step.problem === null) continue;
      records.push({ line, fields: this.#withoutCarriageReturn(step.fields, raw), text: recordText, problem: step.problem });
    }
    this.#steps = [];
    const consumed = final ? this.#base + this.#pending.length : start;
    this.#pending = this.#pending.slice(consumed - this.#base);
    this.#base = consumed;
    if (this.#pending.length > this.#maxRecordChars) {
      throw new FatalError(
        `${this.#file}:${this.#line}: the record starting on this line is longer than ${this.#maxRecordChars} characters; ` +
          'this is usually a quote that is never closed. Fix the quoting on that line (a quote inside a quoted field is written twice: "")',
      );
    }
    return records;
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

/** CRLF, CR and LF each end one physical line. */
export function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return count;
}

function withoutLineBreak(raw: string): string {
  if (raw.endsWith('\r\n')) return raw.slice(0, -2);
  if (raw.endsWith('\n') || raw.endsWith('\r')) return raw.slice(0, -1);
  return raw;
}
