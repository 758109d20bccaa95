/**
 * Random access to the entries of a zip file (an .xlsx workbook), from its central directory.
 *
 * Reading a zip front to back, as exceljs's streaming reader does, makes the order of the entries
 * matter: a sheet stored before the shared strings has to be copied aside, and exceljs 4.4 loses
 * the entries after such a copy in about one read in four (the sheet then reads as
 * `{ sharedString: 0 }` cells). A zip ends with a directory of its entries, so the parts can be
 * read in the order they are needed instead: relationships, workbook, shared strings, styles,
 * then the one sheet, streamed.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type { ReadMeter } from './read-meter.js';
import { closeReadStream } from './text-chunks.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated; others are refused when the entry is opened. */
  readonly method: number;
  readonly compressedSize: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

/** Thrown for files that are not zips, truncated zips and zip features we do not read. */
export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const MAX_COMMENT = 0xffff;

/** The entries of the zip `file`, by name. */
export async function readZipDirectory(file: string): Promise<ReadonlyMap<string, ZipEntry>> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, 22 + MAX_COMMENT);
    const tail = await readAt(handle, size - tailLength, tailLength);
    let end = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_DIRECTORY) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new ZipFormatError('it is not a zip archive (no end-of-directory record; truncated, or another format)');
    let count = tail.readUInt16LE(end + 10);
    let directorySize = tail.readUInt32LE(end + 12);
    let directoryOffset = tail.readUInt32LE(end + 16);
    if (count === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) {
      ({ count, directorySize, directoryOffset } = await readZip64End(handle, tail, end, size - tailLength));
    }
    if (directoryOffset + directorySize > size) throw new ZipFormatError('its directory lies beyond the end of the file (truncated)');
    const directory = await readAt(handle, directoryOffset, directorySize);
    return parseDirectory(directory, count);
  } finally {
    await handle.close();
  }
}

async function readZip64End(handle: FileHandle, tail: Buffer, end: number, tailStart: number): Promise<{ count: number; directorySize: number; directoryOffset: number }> {
  const locator = end - 20;
  if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR) throw new ZipFormatError('its zip64 end-of-directory locator is missing');
  const recordOffset = safeNumber(tail.readBigUInt64LE(locator + 8));
  const record = recordOffset >= tailStart ? tail.subarray(recordOffset - tailStart) : await readAt(handle, recordOffset, 56);
  if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_END_OF_DIRECTORY) throw new ZipFormatError('its zip64 end-of-directory record is missing');
  return { count: safeNumber(record.readBigUInt64LE(32)), directorySize: safeNumber(record.readBigUInt64LE(40)), directoryOffset: safeNumber(record.readBigUInt64LE(48)) };
}

function parseDirectory(directory: Buffer, count: number): Map<string, ZipEntry> {
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new ZipFormatError(`its directory is damaged at entry ${i + 1}`);
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    let compressedSize = directory.readUInt32LE(at + 20);
    const uncompressedSize = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    let localHeaderOffset = directory.readUInt32LE(at + 42);
    const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
    if (compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // The zip64 extra field holds, in this order, only the sizes and offset that overflowed.
      const extra = directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
      const values = zip64Extra(extra);
      if (uncompressedSize === 0xffffffff) values.shift();
      if (compressedSize === 0xffffffff) compressedSize = values.shift() ?? Number.NaN;
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = values.shift() ?? Number.NaN;
      if (Number.isNaN(compressedSize) || Number.isNaN(localHeaderOffset)) throw new ZipFormatError(`its entry ${name} lacks its zip64 sizes`);
    }
    entries.set(name, { name, method, compressedSize, localHeaderOffset, encrypted: (flags & 1) === 1 });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function zip64Extra(extra: Buffer): number[] {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      const values: number[] = [];
      for (let v = at + 4; v + 8 <= at + 4 + length; v += 8) values.push(safeNumber(extra.readBigUInt64LE(v)));
      return values;
    }
    at += 4 + length;
  }
  return [];
}

/**
 * The uncompressed bytes of `entry` as a stream; `utf8` makes it emit text decoded across chunk
 * boundaries. Destroying the returned stream closes the file. `meter`, when given, follows the
 * compressed bytes read against the entry's compressed size (the uncompressed size may be unset).
 */
export async function openZipEntry(file: string, entry: ZipEntry, encoding?: 'utf8', meter?: ReadMeter): Promise<Readable> {
  if (entry.encrypted) throw new ZipFormatError(`its entry ${entry.name} is encrypted; save the workbook without a password`);
  if (entry.method !== 0 && entry.method !== 8) throw new ZipFormatError(`its entry ${entry.name} uses compression method ${entry.method}; only stored and deflated entries are read`);
  const handle = await open(file, 'r');
  let header: Buffer;
  try {
    header = await readAt(handle, entry.localHeaderOffset, 30);
  } finally {
    await handle.close();
  }
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER) throw new ZipFormatError(`its entry ${entry.name} has no local header (damaged or truncated)`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const output = new PassThrough();
  if (encoding) output.setEncoding(encoding);
  if (entry.compressedSize === 0) {
    output.end();
    return output;
  }
  const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  fileStreams.set(output, raw);
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = entry.method === 8 ? [raw, createInflateRaw(), output] : [raw, output];
  // pipeline destroys every stage when one fails or the output is destroyed, and passes the error on.
  pipeline(stages, (error) => {
    if (error && !output.destroyed) output.destroy(error);
  });
  if (meter) {
    meter.bytesTotal = entry.compressedSize;
    // A second 'data' listener added after the pipe's: it sees the same chunks and leaves backpressure to the pipe.
    raw.on('data', (chunk) => (meter.bytesRead += chunk.length));
  }
  return output;
}

const fileStreams = new WeakMap<Readable, ReadStream>();

/** Stops reading an entry and waits until its file descriptor is closed. */
export async function closeZipEntry(stream: Readable): Promise<void> {
  const raw = fileStreams.get(stream);
  stream.destroy();
  if (raw) await closeReadStream(raw);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('it declares sizes beyond 2^53 bytes');
  return Number(value);
}
