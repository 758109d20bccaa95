/**
 * Reads a JSON Lines file (`.jsonl`, `.ndjson`): one JSON object per line. A line that is not
 * valid JSON, or not an object, is a reject carrying the line's text; the lines around it still load.
 */
import type { ColumnInfo, SourceEntity } from '../types.js';
import { FatalError } from '../errors.js';
import type { ReadMeter } from './read-meter.js';
import { assertNoWhere, RecordFileSource, type FileRecord } from './record-batcher.js';
import { fileLabel, readTextChunks } from './text-chunks.js';

export interface JsonlSourceOptions {
  /** WHATWG encoding label; a byte-order mark overrides it. @default 'utf-8' */
  readonly encoding?: string;
  /** A line longer than this stops the read (the file is probably not JSON Lines). @default 32 Mi characters */
  readonly maxLineChars?: number;
  /** The file's bytes from elsewhere (an encrypted backup, decrypted); the file is read by default. */
  readonly openBytes?: (() => AsyncIterable<Buffer>) | undefined;
}

/** Origins are `tickets.jsonl:5` (1-based line). Blank lines are skipped. */
export class JsonlSource extends RecordFileSource {
  readonly file: string;
  readonly #encoding: string;
  readonly #maxLineChars: number;
  readonly #label: string;
  readonly #openBytes: (() => AsyncIterable<Buffer>) | undefined;

  constructor(file: string, options: JsonlSourceOptions = {}) {
    super();
    this.file = file;
    this.#encoding = options.encoding ?? 'utf-8';
    this.#maxLineChars = options.maxLineChars ?? 32 * 1024 * 1024;
    this.#label = fileLabel(file);
    this.#openBytes = options.openBytes;
  }

  /** The keys of the first object in the file. */
  describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    return this.describeFirstObject(entity);
  }

  protected async *records(entity: SourceEntity, _checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.file);
    let rest = '';
    let line = 0;
    for await (const text of readTextChunks(this.file, this.#encoding, this.#openBytes, meter)) {
      rest += text;
      const records: FileRecord[] = [];
      let start = 0;
      for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
        const record = this.#record(rest.slice(start, end), ++line);
        if (record) records.push(record);
        start = end + 1;
      }
      rest = rest.slice(start);
      if (rest.length > this.#maxLineChars) {
        throw new FatalError(`${this.file}:${line + 1}: the line is longer than ${this.#maxLineChars} characters; is this a JSON Lines file (one object per line)?`);
      }
      yield* records;
    }
    const last = this.#record(rest, ++line);
    if (last) yield last;
  }

  #record(text: string, line: number): FileRecord | null {
    const content = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (content.trim() === '') return null;
    const origin = `${this.#label}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      return { origin, reason: `the line is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, payload: content };
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { origin, data: value as Record<string, unknown> };
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { origin, reason: `the line holds ${got}, not a JSON object`, payload: content };
  }
}
