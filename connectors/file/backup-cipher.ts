/**
 * Encrypted backup files (`customers.csv.enc`): AES-256-GCM in independently authenticated
 * chunks, so that a file is written and read as a stream and memory holds one chunk.
 *
 * Format, version 1 (all integers big-endian):
 * ```
 * header  magic "CUTOVERE" (8) · version 0x01 (1) · key id length n (1) · key id (n, ASCII)
 *         · chunk size (4) · base nonce (12, random per file)
 * chunk*  ciphertext (chunk size bytes; the last chunk 0 … chunk size) · GCM tag (16)
 * ```
 * Chunk i is sealed with nonce = base nonce XOR i (in its last 8 bytes) and additional data =
 * header ‖ i (8) ‖ final flag (1). The header is thus authenticated by every chunk, chunks cannot
 * be reordered (nonce and AAD carry the index), and the last chunk alone carries final = 1, so a
 * file cut at a chunk boundary fails (its new last chunk was sealed as not final). The writer
 * always ends with a final chunk, empty when the text is a multiple of the chunk size.
 *
 * The key id is a fingerprint of the key (first 8 bytes of SHA-256 over a label and the key, in
 * hex): it tells "wrong key" from "damaged file" before any chunk is opened, and says nothing
 * useful about a random 256-bit key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { FatalError } from '../errors.js';

/** The cipher, as the manifest names it. */
export const BACKUP_CIPHER = 'AES-256-GCM (cutover chunked v1)';
/** Extension appended to an encrypted file's name. */
export const ENCRYPTED_EXTENSION = '.enc';
/** Default name of the environment variable that holds the key. */
export const DEFAULT_KEY_ENV = 'CUTOVER_BACKUP_KEY';
/** Plaintext bytes per chunk. @default 64 KiB */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

const MAGIC = Buffer.from('CUTOVERE', 'ascii');
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** A 32-byte key with its fingerprint. */
export interface BackupKey {
  readonly id: string;
  /** The environment variable it came from, for messages (never the key). */
  readonly source: string;
  readonly bytes: Buffer;
}

/**
 * Parses a key given as 64 hex characters or as base64 of 32 bytes.
 * @throws FatalError naming the variable (never its value) and the expected form.
 */
export function parseBackupKey(text: string | undefined, variable: string): BackupKey {
  const expected = `set ${variable} to 32 random bytes as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`)`;
  if (text === undefined || text.trim() === '') throw new FatalError(`No backup key: the environment variable ${variable} is not set; ${expected}`);
  const trimmed = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes === null || bytes.length !== 32) throw new FatalError(`The backup key in ${variable} is not 32 bytes; ${expected}`);
  // Non-enumerable, so that logging the key object shows its id and not its bytes.
  const key = { id: keyId(bytes), source: variable } as BackupKey;
  Object.defineProperty(key, 'bytes', { value: bytes, enumerable: false });
  return Object.freeze(key);
}

function keyId(bytes: Buffer): string {
  return createHash('sha256').update('cutover backup key id\0').update(bytes).digest('hex').slice(0, 16);
}

function header(keyIdText: string, chunkBytes: number, baseNonce: Buffer): Buffer {
  const id = Buffer.from(keyIdText, 'ascii');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(chunkBytes);
  return Buffer.concat([MAGIC, Buffer.from([VERSION, id.length]), id, size, baseNonce]);
}

function chunkNonce(baseNonce: Buffer, index: number): Buffer {
  const nonce = Buffer.from(baseNonce);
  const low = nonce.readBigUInt64BE(4) ^ BigInt(index);
  nonce.writeBigUInt64BE(low, 4);
  return nonce;
}

function chunkAad(head: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index));
  tail[8] = final ? 1 : 0;
  return Buffer.concat([head, tail]);
}

/** A transform that encrypts the bytes written to it into the format above. */
export function createEncryptStream(key: BackupKey, chunkBytes = DEFAULT_CHUNK_BYTES): Transform {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`Expected \`chunkBytes\` to be an integer from 1 to ${MAX_CHUNK_BYTES}, got \`${chunkBytes}\``);
  }
  const baseNonce = randomBytes(NONCE_BYTES);
  const head = header(key.id, chunkBytes, baseNonce);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  let started = false;
  const seal = (plain: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key.bytes, chunkNonce(baseNonce, index));
    cipher.setAAD(chunkAad(head, index, final));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    index++;
    return sealed;
  };
  const start = (stream: Transform) => {
    if (!started) stream.push(head);
    started = true;
  };
  return new Transform({
    transform(data: Buffer, _encoding, done: TransformCallback) {
      start(this);
      pending.push(data);
      pendingBytes += data.length;
      // A full chunk is sealed as not final only once a byte after it exists.
      if (pendingBytes > chunkBytes) {
        let all = Buffer.concat(pending);
        while (all.length > chunkBytes) {
          this.push(seal(all.subarray(0, chunkBytes), false));
          all = all.subarray(chunkBytes);
        }
        pending = [Buffer.from(all)];
        pendingBytes = all.length;
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      this.push(seal(Buffer.concat(pending), true));
      done();
    },
  });
}

/** What the header of an encrypted file says. */
export interface EncryptedHeader {
  readonly version: number;
  readonly keyId: string;
  readonly chunkBytes: number;
}

/**
 * Decrypts an encrypted backup file given as a byte stream, yielding plaintext chunk by chunk.
 * Nothing is yielded from a chunk before its tag is checked.
 * @throws FatalError naming `file` for a wrong key, a damaged or truncated file.
 */
export async function* decryptChunks(bytes: AsyncIterable<Buffer>, key: BackupKey, file: string): AsyncGenerator<Buffer> {
  let buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  let head: Buffer<ArrayBufferLike> | null = null;
  let chunkBytes = 0;
  let baseNonce: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  let index = 0;
  const open = (record: Buffer, final: boolean): Buffer => {
    if (record.length < TAG_BYTES) throw damaged(file, `chunk ${index} is shorter than its tag (the file is truncated)`);
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, chunkNonce(baseNonce, index));
    decipher.setAAD(chunkAad(head!, index, final));
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
      index++;
      return plain;
    } catch (error) {
      throw damaged(file, `chunk ${index} fails its authentication tag${final ? ' (as the last chunk: is the file truncated?)' : ''}`, error);
    }
  };
  for await (const data of bytes) {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
    if (head === null) {
      const parsed = parseHeader(buffer, file);
      if (parsed === null) continue;
      if (parsed.header.keyId !== key.id) {
        throw new FatalError(`${file} was encrypted with key ${parsed.header.keyId}, but ${key.source} holds key ${key.id}; set ${key.source} to the key the backup was made with`);
      }
      head = buffer.subarray(0, parsed.length);
      chunkBytes = parsed.header.chunkBytes;
      baseNonce = head.subarray(head.length - NONCE_BYTES);
      buffer = buffer.subarray(parsed.length);
    }
    // A record is opened as not final only when a byte after it has arrived.
    const record = chunkBytes + TAG_BYTES;
    while (buffer.length > record) {
      yield open(buffer.subarray(0, record), false);
      buffer = buffer.subarray(record);
    }
  }
  if (head === null) throw damaged(file, buffer.length === 0 ? 'the file is empty' : 'the header is incomplete');
  yield open(buffer, true);
}

/** Reads the header, or null when more bytes are needed. */
function parseHeader(buffer: Buffer, file: string): { header: EncryptedHeader; length: number } | null {
  if (buffer.length < MAGIC.length + 2) return null;
  if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged(file, 'it does not start with the cutover encryption header (CUTOVERE)');
  const version = buffer[MAGIC.length]!;
  if (version !== VERSION) throw damaged(file, `encryption format version ${version} is not one this cutover reads (${VERSION})`);
  const idLength = buffer[MAGIC.length + 1]!;
  const length = MAGIC.length + 2 + idLength + 4 + NONCE_BYTES;
  if (buffer.length < length) return null;
  const keyIdText = buffer.subarray(MAGIC.length + 2, MAGIC.length + 2 + idLength).toString('ascii');
  const chunkBytes = buffer.readUInt32BE(MAGIC.length + 2 + idLength);
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw damaged(file, `the header's chunk size ${chunkBytes} is out of range`);
  return { header: { version, keyId: keyIdText, chunkBytes }, length };
}

function damaged(file: string, reason: string, cause?: unknown): FatalError {
  return new FatalError(`${file} cannot be decrypted: ${reason}; the file was changed or damaged after the backup (restore it from another copy)`, { cause });
}
