/**
 * Reads a JSON file holding one top-level array of objects, element by element, with stream-json:
 * the file is never parsed whole, so memory holds one chunk of text and one batch of rows.
 */
import { jsonParser } from 'stream-json/core/parser.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { ColumnInfo, SourceEntity } from '../types.js';
import { ConnectorError, FatalError } from '../errors.js';
import type { ReadMeter } from './read-meter.js';
import { assertNoWhere, RecordFileSource, type FileRecord } from './record-batcher.js';
import { fileLabel, readTextChunks } from './text-chunks.js';

export interface JsonSourceOptions {
  /** WHATWG encoding label; a byte-order mark overrides it. @default 'utf-8' */
  readonly encoding?: string;
}

/**
 * Each array element becomes a record with origin `customers.json[17]` (0-based index). Values are
 * as parsed; nested objects and arrays are kept. An element that is not an object is a reject.
 */
export class JsonSource extends RecordFileSource {
  readonly file: string;
  readonly #encoding: string;
  readonly #label: string;

  constructor(file: string, options: JsonSourceOptions = {}) {
    super();
    this.file = file;
    this.#encoding = options.encoding ?? 'utf-8';
    this.#label = fileLabel(file);
  }

  /** The keys of the first object in the array. */
  describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    return this.describeFirstObject(entity);
  }

  protected async *records(entity: SourceEntity, _checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.file);
    // Packed tokens only: the assembler needs whole keys, strings and numbers, not their chunks.
    const parse = jsonParser({ streamValues: false });
    const assemble = streamArray();
    let offset = 0;
    let elements = 0;
    const toRecords = (tokens: unknown): FileRecord[] => {
      const records: FileRecord[] = [];
      for (const token of stageOutput<Parameters<typeof assemble>[0]>(tokens)) {
        for (const item of stageOutput<{ key: number; value: unknown }>(assemble(token))) records.push(this.#record(item.key, item.value));
      }
      elements += records.length;
      return records;
    };
    let started = false;
    try {
      for await (const text of readTextChunks(this.file, this.#encoding, undefined, meter)) {
        // Checked here because the parser would first complain about whatever follows a top-level object.
        if (!started && text.trim() !== '') {
          started = true;
          if (!text.trimStart().startsWith('[')) throw notAnArray(this.file, text.trimStart().charAt(0));
        }
        const records = toRecords(parse(text));
        offset += text.length;
        yield* records;
      }
      yield* toRecords(parse(NONE as unknown as string));
    } catch (error) {
      throw jsonError(this.file, error, offset, elements);
    }
  }

  #record(index: number, value: unknown): FileRecord {
    const origin = `${this.#label}[${index}]`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { origin, data: value as Record<string, unknown> };
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { origin, reason: `the array element is ${got}, not an object`, payload: value };
  }
}

// stream-json's stages follow stream-chain's protocol: a stage returns one value, `none` (nothing)
// or `many([…])`, and is flushed by calling it with `none`. The markers are registered symbols
// (`Symbol.for`), shared by design between copies of the library, so they are named here rather
// than importing stream-chain, which is not a direct dependency.
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');

function stageOutput<T>(output: unknown): readonly T[] {
  if (output === NONE || output === undefined) return [];
  if (typeof output === 'object' && output !== null && (output as Record<symbol, unknown>)[MANY] === 1) return (output as { values: T[] }).values;
  return [output as T];
}

function notAnArray(file: string, first: string): FatalError {
  return new FatalError(
    `${file}: expected a JSON array of objects at the top level ([{…}, {…}]), found \`${first}\` first; ` +
      'for a file with one object per line, name it .jsonl',
  );
}

function jsonError(file: string, error: unknown, offset: number, elements: number): Error {
  if (error instanceof ConnectorError || (error instanceof Error && error.name === 'AbortError')) return error as Error;
  const detail = error instanceof Error ? error.message : String(error);
  const plural = elements === 1 ? '' : 's';
  return new FatalError(
    `${file} is not valid JSON (${detail}), after ${elements} array element${plural}, in the characters from ${offset} on; ` +
      'the file may be truncated or hand-edited. Fix the file and run again',
    { cause: error },
  );
}
