/** The chunked AES-256-GCM format of encrypted backup files: round trip, tampering, truncation, keys. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEncryptStream, decryptChunks, parseBackupKey, type BackupKey } from '../../../connectors/file/backup-cipher.js';
import { FatalError } from '../../../connectors/errors.js';

const key = parseBackupKey(randomBytes(32).toString('hex'), 'CUTOVER_BACKUP_KEY');

async function encrypt(plain: Buffer, chunkBytes: number, with_: BackupKey = key): Promise<Buffer> {
  const parts: Buffer[] = [];
  // Written in uneven pieces, as a file writer would.
  const pieces = [];
  for (let at = 0; at < plain.length; at += 7) pieces.push(plain.subarray(at, at + 7));
  for await (const part of Readable.from(pieces).pipe(createEncryptStream(with_, chunkBytes))) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function decrypt(sealed: Buffer, with_: BackupKey = key, pieceBytes = 5): Promise<Buffer> {
  const pieces = [];
  for (let at = 0; at < sealed.length; at += pieceBytes) pieces.push(sealed.subarray(at, at + pieceBytes));
  const parts: Buffer[] = [];
  for await (const part of decryptChunks(Readable.from(pieces), with_, 'customers.csv.enc')) parts.push(part);
  return Buffer.concat(parts);
}

describe('backup encryption format', () => {
  it('round-trips any length, including empty and exact multiples of the chunk size', async () => {
    for (const length of [0, 1, 63, 64, 65, 128, 1000]) {
      const plain = randomBytes(length);
      const sealed = await encrypt(plain, 64);
      expect(sealed.subarray(0, 8).toString()).toBe('CUTOVERE');
      expect(await decrypt(sealed)).toEqual(plain);
    }
  });

  it('uses a fresh nonce per file: the same text encrypts differently', async () => {
    const plain = Buffer.from('id,name\r\n1,九桥咨询\r\n');
    expect((await encrypt(plain, 64)).equals(await encrypt(plain, 64))).toBe(false);
  });

  it('fails on any flipped byte, in the header, a chunk or a tag', async () => {
    const plain = randomBytes(300);
    const sealed = await encrypt(plain, 64);
    for (const at of [9 + 10, 60, 100, 150, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 0x40;
      await expect(decrypt(tampered), `byte ${at}`).rejects.toBeInstanceOf(FatalError);
    }
  });

  it('fails on a file cut at a chunk boundary, or in the middle, or with chunks swapped', async () => {
    const sealed = await encrypt(randomBytes(64 * 3 + 10), 64);
    const header = 8 + 1 + 1 + 16 + 4 + 12; // magic, version, id length, key id, chunk size, nonce
    const record = 64 + 16;
    await expect(decrypt(sealed.subarray(0, header + 2 * record))).rejects.toThrow(/chunk 1 fails its authentication tag \(as the last chunk: is the file truncated\?\)/);
    await expect(decrypt(sealed.subarray(0, sealed.length - 3))).rejects.toThrow(/authentication tag/);
    const swapped = Buffer.concat([sealed.subarray(0, header), sealed.subarray(header + record, header + 2 * record), sealed.subarray(header, header + record), sealed.subarray(header + 2 * record)]);
    await expect(decrypt(swapped)).rejects.toThrow(/chunk 0 fails/);
    await expect(decrypt(Buffer.alloc(0))).rejects.toThrow(/the file is empty/);
  });

  it('names both key ids for a wrong key, and refuses a key that is not 32 bytes, without printing it', async () => {
    const sealed = await encrypt(Buffer.from('x'), 64);
    const other = parseBackupKey(randomBytes(32).toString('base64'), 'OTHER_KEY');
    await expect(decrypt(sealed, other)).rejects.toThrow(new RegExp(`encrypted with key ${key.id}, but OTHER_KEY holds key ${other.id}`));
    expect(() => parseBackupKey(undefined, 'CUTOVER_BACKUP_KEY')).toThrow(/CUTOVER_BACKUP_KEY is not set/);
    expect(() => parseBackupKey('abcd', 'K')).toThrow(/The backup key in K is not 32 bytes; set K to 32 random bytes as 64 hex characters or base64/);
    expect(() => parseBackupKey('secret-value-that-is-wrong', 'K')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-value') }));
    expect(JSON.stringify(key)).not.toContain(key.bytes.toString('hex'));
  });
});
