/**
 * `manifest.json` of a backup folder: what was exported, how, and the checksums to verify it.
 * Written last (tmp + rename) by `cutover backup`, so a folder without it is an incomplete backup.
 * Read here because a backup folder is also a source (`file://./backup`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { VALUE_KINDS, type ValueKind } from './backup-values.js';

export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
export type BackupFormat = (typeof BACKUP_FORMATS)[number];
/** Version of the manifest's own shape. */
export const MANIFEST_VERSION = 1;

export interface BackupColumn {
  readonly name: string;
  /** Type as the source names it (`varchar(150)`, `datetime`, `numeric`). */
  readonly type: string;
  readonly nullable: boolean;
  /** How its values are written (see backup-values.ts). */
  readonly kind: ValueKind;
}

export interface BackupFile {
  readonly table: string;
  /** Source connection the table came from. */
  readonly connection: string;
  /** File name inside the folder: `customers.csv`, `customers.csv.enc`. */
  readonly file: string;
  /** Column the rows are ordered and paged by (a single-column primary key). */
  readonly key: string | null;
  /** Order of the rows: `updated_at, id` when a mapping reads the table by that cursor. */
  readonly orderBy: readonly string[];
  readonly columns: readonly BackupColumn[];
  /** Data rows written (the header not counted). */
  readonly rows: number;
  /** Size of the file on disk. */
  readonly bytes: number;
  /** SHA-256 of the file on disk, hex. */
  readonly sha256: string;
  /** `COUNT(*)` of the source table when its export began. */
  readonly sourceRows: number;
}

export interface BackupEncryption {
  readonly algorithm: string;
  /** Fingerprint of the key (not the key). */
  readonly keyId: string;
  /** Name of the environment variable that held the key (not its value). */
  readonly keyEnv: string;
  readonly chunkBytes: number;
}

export interface BackupManifest {
  readonly manifestVersion: number;
  readonly cutoverVersion: string;
  readonly createdAt: string;
  readonly completedAt: string;
  /** Source connections, URLs redacted. */
  readonly sources: readonly { readonly name: string; readonly url: string }[];
  readonly format: BackupFormat;
  readonly encryption: BackupEncryption | null;
  readonly files: readonly BackupFile[];
}

/** True when `dir` holds a manifest (a complete backup). */
export async function readBackupManifest(dir: string): Promise<BackupManifest | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw new FatalError(`Cannot read ${path.join(dir, MANIFEST_FILE)}: ${(error as Error).message}`, { cause: error });
  }
  return parseBackupManifest(text, path.join(dir, MANIFEST_FILE));
}

/**
 * Checks the shape of a manifest (the fields a reader and `backup verify` rely on).
 * @throws FatalError naming the file and the first field that is wrong.
 */
export function parseBackupManifest(text: string, file: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FatalError(`${file} is not valid JSON (${(error as Error).message}); the backup's manifest is damaged`, { cause: error });
  }
  const fail = (pointer: string, expected: string): never => {
    throw new FatalError(`${file} ${pointer}: expected ${expected}; the backup's manifest is damaged or from another tool`);
  };
  const manifest = objectAt(value, '', fail);
  if (manifest.manifestVersion !== MANIFEST_VERSION) fail('/manifestVersion', `${MANIFEST_VERSION} (this cutover reads version ${MANIFEST_VERSION})`);
  if (!(BACKUP_FORMATS as readonly unknown[]).includes(manifest.format)) fail('/format', `one of ${BACKUP_FORMATS.join(', ')}`);
  if (manifest.encryption !== null) {
    const encryption = objectAt(manifest.encryption, '/encryption', fail);
    for (const name of ['algorithm', 'keyId', 'keyEnv'] as const) if (typeof encryption[name] !== 'string') fail(`/encryption/${name}`, 'a string');
  }
  if (!Array.isArray(manifest.files)) fail('/files', 'an array');
  (manifest.files as unknown[]).forEach((entry, index) => {
    const at = `/files/${index}`;
    const entryObject = objectAt(entry, at, fail);
    for (const name of ['table', 'file', 'sha256'] as const) if (typeof entryObject[name] !== 'string') fail(`${at}/${name}`, 'a string');
    if (path.basename(String(entryObject.file)) !== entryObject.file) fail(`${at}/file`, 'a file name inside the backup folder');
    for (const name of ['rows', 'bytes', 'sourceRows'] as const) if (!Number.isInteger(entryObject[name]) || (entryObject[name] as number) < 0) fail(`${at}/${name}`, 'an integer ≥ 0');
    if (!Array.isArray(entryObject.columns)) fail(`${at}/columns`, 'an array');
    (entryObject.columns as unknown[]).forEach((column, i) => {
      const columnObject = objectAt(column, `${at}/columns/${i}`, fail);
      if (typeof columnObject.name !== 'string') fail(`${at}/columns/${i}/name`, 'a string');
      if (!(VALUE_KINDS as readonly unknown[]).includes(columnObject.kind)) fail(`${at}/columns/${i}/kind`, `one of ${VALUE_KINDS.join(', ')}`);
    });
  });
  return manifest as unknown as BackupManifest;
}

function objectAt(value: unknown, pointer: string, fail: (pointer: string, expected: string) => never): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(pointer || '/', 'an object');
  return value as Record<string, unknown>;
}
