/**
 * `cutover backup decrypt DIR --to DIR2`: an encrypted backup as plain files (`customers.csv.enc`
 * → `customers.csv`) with a manifest of their own sizes and checksums, so that DIR2 is a plain
 * backup that `cutover backup verify` checks and anyone can open. Each file streams through the
 * decryption one chunk at a time (every GCM tag is checked before its bytes are written), into a
 * `.partial` file renamed when it is complete; the manifest comes last, as for a backup.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { decryptChunks, ENCRYPTED_EXTENSION, type BackupKey } from '../../connectors/file/backup-cipher.js';
import type { BackupFile, BackupManifest } from '../../connectors/file/backup-manifest.js';
import { asErrorOf, partialPath } from '../../connectors/file/replace-file.js';
import { RunError } from '../errors.js';
import { prepareFolder, writeManifest } from './export.js';
import { assertBackupKey, assertFileSizes, loadManifest } from './verify.js';

export interface DecryptOptions {
  /** The encrypted backup. */
  readonly dir: string;
  /** Folder to create (or an empty one) for the plain backup. */
  readonly to: string;
  readonly key: BackupKey | null;
  readonly signal?: AbortSignal | undefined;
  /** Called after each file. */
  readonly onFile?: ((file: BackupFile) => void) | undefined;
}

/** Decrypts the backup in `options.dir` into `options.to`; returns the plain backup's manifest. */
export async function decryptBackup(options: DecryptOptions): Promise<BackupManifest> {
  const manifest = await loadManifest(options.dir);
  if (manifest.encryption === null) {
    throw new RunError(`${options.dir} is not encrypted: its files are plain already; read or copy them as they are`);
  }
  assertBackupKey(options.dir, manifest, options.key);
  if (path.resolve(options.to) === path.resolve(options.dir)) throw new RunError(`--to ${options.to} is the backup itself; name a new folder for the plain files`);
  await assertFileSizes(options.dir, manifest.files);
  await prepareFolder(options.to);
  const files: BackupFile[] = [];
  for (const entry of manifest.files) {
    options.signal?.throwIfAborted();
    const plain = await decryptFile(options.dir, options.to, entry, options.key!, options.signal);
    files.push(plain);
    options.onFile?.(plain);
  }
  const decrypted: BackupManifest = { ...manifest, encryption: null, files };
  await writeManifest(options.to, decrypted);
  return decrypted;
}

async function decryptFile(dir: string, to: string, entry: BackupFile, key: BackupKey, signal: AbortSignal | undefined): Promise<BackupFile> {
  const source = path.join(dir, entry.file);
  const name = entry.file.endsWith(ENCRYPTED_EXTENSION) ? entry.file.slice(0, -ENCRYPTED_EXTENSION.length) : entry.file;
  const target = path.join(to, name);
  const partial = partialPath(target);
  const hash = createHash('sha256');
  const input = createReadStream(source, { highWaterMark: 64 * 1024 });
  try {
    await pipeline(
      async function* () {
        try {
          for await (const chunk of decryptChunks(input, key, source)) {
            hash.update(chunk);
            yield chunk;
          }
        } finally {
          input.destroy();
        }
      },
      createWriteStream(partial, { mode: 0o600 }),
      { signal },
    );
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw asErrorOf(error, partial, target);
  }
  const { size } = await stat(target);
  return { ...entry, file: name, bytes: size, sha256: hash.digest('hex') };
}
