/**
 * The decoded text of a file, chunk by chunk: the shared front of the CSV, JSON and JSON Lines
 * readers. One chunk is in memory at a time, nothing is read while the consumer works, and the
 * file handle is closed (and waited for) whenever the consumer stops, early or not.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { ConnectorError, FatalError } from '../errors.js';
import { EscapingUtf8Decoder } from './escaped-utf8.js';
import type { ReadMeter } from './read-meter.js';

/** Bytes read per chunk; also bounds the text held per chunk. */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Yields the text of `file` decoded with `encoding`. A byte-order mark (UTF-8, UTF-16 LE/BE)
 * decides the encoding, as in the WHATWG decode algorithm, and is stripped. Bytes that are not
 * valid UTF-8 in a UTF-8 file are escaped one by one ({@link EscapingUtf8Decoder}), so that the
 * record holding them is rejected alone (and a file that is mostly not UTF-8 is noticed by the
 * record batcher). In other encodings, such bytes stop the read with a `FatalError` rather than
 * turning into U+FFFD. `openBytes`, when given, supplies the file's bytes instead (an encrypted
 * backup file, decrypted). `meter`, when given, is told the file's size and each chunk read (bytes
 * from `openBytes` are the caller's to count).
 */
export async function* readTextChunks(file: string, encoding: string, openBytes?: () => AsyncIterable<Buffer>, meter?: ReadMeter): AsyncGenerator<string> {
  const counted = openBytes === undefined && meter !== undefined;
  // Bytes from elsewhere (a decrypting stream) are closed by ending their iteration.
  let stream: ReturnType<typeof createReadStream> | null = null;
  let decoder: TextDecoder | EscapingUtf8Decoder | null = null;
  let offset = 0;
  try {
    // Before the stream exists: a stream's failed open, while nothing iterates it yet, is an
    // 'error' nobody listens to, which ends the process instead of reaching the catch below.
    if (counted) meter.bytesTotal = (await stat(file)).size;
    stream = openBytes ? null : createReadStream(file, { highWaterMark: CHUNK_BYTES });
    for await (const chunk of stream ?? openBytes!()) {
      let bytes = chunk as Buffer;
      if (counted) meter.bytesRead += bytes.length;
      if (decoder === null) {
        const decided = bomEncoding(bytes) ?? encoding;
        if (decided === 'utf-8') {
          decoder = new EscapingUtf8Decoder();
          if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
        } else decoder = new TextDecoder(decided, { fatal: true });
      }
      const text = decode(decoder, bytes, file, offset);
      offset += bytes.length;
      if (text) yield text;
    }
    const tail = decoder ? decode(decoder, undefined, file, offset) : '';
    if (tail) yield tail;
  } catch (error) {
    throw fileReadError(file, error);
  } finally {
    if (stream) await closeReadStream(stream);
  }
}

function decode(decoder: TextDecoder | EscapingUtf8Decoder, bytes: Buffer | undefined, file: string, offset: number): string {
  if (decoder instanceof EscapingUtf8Decoder) return decoder.decode(bytes, bytes === undefined);
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch (error) {
    const where = bytes === undefined ? 'at the end of the file' : `in bytes ${offset}–${offset + bytes.length - 1}`;
    throw new FatalError(
      `${file} is not valid ${decoder.encoding} (${where}). If the export uses another encoding, say so in the connection URL, ` +
        'e.g. file://./export?encoding=windows-1252 (Latin-1) or ?encoding=gb18030; or convert the file to UTF-8',
      { cause: error },
    );
  }
}

function bomEncoding(bytes: Buffer): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * Destroys a read stream and waits until its file descriptor is closed, so that a caller that
 * counts open handles right after `break` sees none.
 */
export async function closeReadStream(stream: ReadStream): Promise<void> {
  if (stream.closed) return;
  const closed = once(stream, 'close').catch(() => undefined);
  stream.destroy();
  await closed;
}

/** Turns a file-system error into a `FatalError` that names the file and what to check. */
export function fileReadError(file: string, error: unknown): Error {
  if (error instanceof ConnectorError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason =
    code === 'ENOENT' ? 'file not found' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied: check that the user running cutover can read it' :
    code === 'EISDIR' ? 'this is a folder, not a file' :
    error instanceof Error ? error.message : String(error);
  return new FatalError(`Cannot read ${file}: ${reason}`, { cause: error, code: typeof code === 'string' ? code : undefined });
}

/** `customers.csv` from a path, for origins. */
export function fileLabel(file: string): string {
  return path.basename(file);
}
