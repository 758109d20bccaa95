/**
 * `cutover backup verify`: every file of a backup against its manifest — size, SHA-256 of the
 * bytes on disk, and the row count found by reading the file back (decrypting it, which checks
 * every GCM tag) — and, on request, the row counts of the live source now.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupKey } from '../../connectors/file/backup-cipher.js';
import { readBackupManifest, type BackupFile, type BackupManifest } from '../../connectors/file/backup-manifest.js';
import { BackupTableSource } from '../../connectors/file/backup-source.js';
import { ConnectorError } from '../../connectors/errors.js';
import { RunError } from '../errors.js';
import { sha256File } from './sha256-file.js';

export interface FileCheck {
  readonly file: string;
  readonly table: string;
  readonly ok: boolean;
  /** Why it differs; empty when ok. */
  readonly problems: readonly string[];
  /** Rows read back from the file, when it could be read. */
  readonly rows: number | null;
  /** Rows of the live source now (with `against`). */
  readonly sourceRowsNow?: number | undefined;
}

export interface BackupVerification {
  readonly dir: string;
  readonly ok: boolean;
  readonly createdAt: string;
  readonly format: string;
  readonly encrypted: boolean;
  readonly files: readonly FileCheck[];
}

export interface VerifyOptions {
  /** The key for an encrypted backup. */
  readonly key: BackupKey | null;
  /** Counts the table in the live source now, for `--against`. */
  readonly countSource?: ((file: BackupFile) => Promise<number>) | undefined;
}

/** Reads the manifest of `dir`, or stops with the reason (exit 2). */
export async function loadManifest(dir: string): Promise<BackupManifest> {
  const manifest = await readBackupManifest(dir);
  if (manifest === null) {
    throw new RunError(`${dir} has no manifest.json: it is not a cutover backup, or its backup did not finish`, { hint: 'back up again into a new folder' });
  }
  return manifest;
}

/**
 * An encrypted backup needs its key, and the right one: a wrong key is a reason not to run
 * (exit 2), not a difference in every file. The message names the files, never the key.
 */
export function assertBackupKey(dir: string, manifest: BackupManifest, key: BackupKey | null): void {
  if (manifest.encryption === null) return;
  if (key === null) {
    throw new RunError(`${dir} is encrypted (key ${manifest.encryption.keyId}); set ${manifest.encryption.keyEnv} (or the variable named by --key-env) to the backup key`);
  }
  if (key.id !== manifest.encryption.keyId) {
    const first = manifest.files[0];
    const files = first === undefined ? dir : `${path.join(dir, first.file)}${manifest.files.length > 1 ? ` and the other ${manifest.files.length - 1} files` : ''}`;
    throw new RunError(`${files} ${manifest.files.length > 1 ? 'were' : 'was'} encrypted with key ${manifest.encryption.keyId}, but ${key.source} holds key ${key.id}; set it to the key the backup was made with`);
  }
}

/**
 * Each file of `entries` has the size the manifest says: a truncated or grown file is found before
 * anything is read or written.
 * @throws RunError naming the first file that differs.
 */
export async function assertFileSizes(dir: string, entries: readonly BackupFile[]): Promise<void> {
  for (const entry of entries) {
    const file = path.join(dir, entry.file);
    const size = await stat(file).then((info) => info.size, () => null);
    const advice = `use a complete copy of the backup (\`cutover backup verify ${dir}\` checks every file)`;
    if (size === null) throw new RunError(`${file} is missing, though the manifest lists it; ${advice}`);
    if (size !== entry.bytes) {
      throw new RunError(`${file} is ${size} bytes, the manifest says ${entry.bytes}: it was ${size < entry.bytes ? 'truncated' : 'changed'} after the backup; ${advice}`);
    }
  }
}

export async function verifyBackup(dir: string, options: VerifyOptions): Promise<BackupVerification> {
  const manifest = await loadManifest(dir);
  assertBackupKey(dir, manifest, options.key);
  const files: FileCheck[] = [];
  for (const entry of manifest.files) files.push(await checkFile(dir, manifest, entry, options));
  return { dir, ok: files.every((f) => f.ok), createdAt: manifest.createdAt, format: manifest.format, encrypted: manifest.encryption !== null, files };
}

async function checkFile(dir: string, manifest: BackupManifest, entry: BackupFile, options: VerifyOptions): Promise<FileCheck> {
  const file = path.join(dir, entry.file);
  const problems: string[] = [];
  const size = await stat(file).then((info) => info.size, () => null);
  if (size === null) return { file: entry.file, table: entry.table, ok: false, problems: ['the file is missing'], rows: null };
  if (size !== entry.bytes) problems.push(`size ${size} bytes, the manifest says ${entry.bytes}`);
  const sha256 = await sha256File(file);
  if (sha256 !== entry.sha256) problems.push(`SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…`);
  let rows: number | null = null;
  try {
    const reader = new BackupTableSource(dir, manifest, entry, options.key);
    rows = await reader.count({ table: entry.table, key: entry.key ?? entry.columns[0]?.name ?? '' });
    if (rows !== entry.rows) problems.push(`${rows} rows read back, the manifest says ${entry.rows}`);
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    problems.push(`cannot be read back: ${error.message}`);
  }
  let sourceRowsNow: number | undefined;
  if (options.countSource) {
    sourceRowsNow = await options.countSource(entry);
    if (sourceRowsNow !== entry.sourceRows) problems.push(`the source has ${sourceRowsNow} rows now, ${entry.sourceRows} when it was backed up`);
  }
  return { file: entry.file, table: entry.table, ok: problems.length === 0, problems, rows, sourceRowsNow };
}
