/**
 * `cutover backup --to DIR` and `cutover backup verify DIR`: the complete, verified export of the
 * legacy sources before they are switched off.
 */
import path from 'node:path';
import { DEFAULT_KEY_ENV, parseBackupKey, type BackupKey } from '../../connectors/file/backup-cipher.js';
import type { BackupFormat } from '../../connectors/file/backup-manifest.js';
import { createSource } from '../../connectors/registry.js';
import type { Source } from '../../connectors/types.js';
import { exportBackup } from '../../pipelines/backup/export.js';
import { loadManifest, verifyBackup, type BackupVerification } from '../../pipelines/backup/verify.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { installStopHandlers, print, reportFailure, withContext, type GlobalOptions } from './command-context.js';


export interface BackupFlags {
  readonly to: string;
  readonly format: BackupFormat;
  readonly encrypt: boolean;
  /** Environment variable holding the key. @default CUTOVER_BACKUP_KEY */
  readonly keyEnv: string | undefined;
  /** The files written as JSON on stdout instead of the table. */
  readonly json?: boolean;
}

/** `cutover backup --to DIR [--format] [--encrypt] [table…]`: exit 0 written, 2 could not. */
export function backupCommand(options: GlobalOptions, only: readonly string[], flags: BackupFlags): Promise<ExitCode> {
  return withContext(options, async ({ project, log }) => {
    // The key is read before anything connects: a missing key fails at once, not after an hour of export.
    const key = flags.encrypt ? parseBackupKey(process.env[flags.keyEnv ?? DEFAULT_KEY_ENV], flags.keyEnv ?? DEFAULT_KEY_ENV) : null;
    const dir = path.resolve(flags.to);
    const stop = installStopHandlers(log);
    const started = performance.now();
    try {
      const manifest = await exportBackup(project, { dir, format: flags.format, key, only, batchSize: project.options.batchSize, signal: stop.signal }, log);
      const seconds = (performance.now() - started) / 1000;
      const rows = manifest.files.reduce((sum, f) => sum + f.rows, 0);
      const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
      if (flags.json) {
        print(JSON.stringify({ dir, manifest: path.join(dir, 'manifest.json'), format: manifest.format, encrypted: key !== null, rows, bytes, seconds: Math.round(seconds * 1000) / 1000, files: manifest.files.map((f) => ({ table: f.table, file: f.file, rows: f.rows, sourceRows: f.sourceRows, bytes: f.bytes, sha256: f.sha256 })) }, null, 2));
        return EXIT_CODES.reconciled;
      }
      print(renderTable(['table', 'file', 'rows', 'source rows', 'bytes'], manifest.files.map((f) => [f.table, f.file, count(f.rows), count(f.sourceRows), count(f.bytes)])));
      print(
        `backed up ${count(rows)} rows (${(bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s: ${count(Math.round(rows / seconds))} rows/s, ` +
          `${(bytes / 1e6 / seconds).toFixed(1)} MB/s${key ? `, encrypted with key ${key.id}` : ''}; manifest: ${path.join(flags.to, 'manifest.json')}`,
      );
      return EXIT_CODES.reconciled;
    } finally {
      stop.dispose();
    }
  });
}

/** `cutover backup verify DIR [--against]`: exit 0 every file ok, 1 any differs, 2 could not run. */
export async function backupVerifyCommand(options: GlobalOptions, dir: string, flags: { against: boolean; keyEnv: string | undefined; json: boolean }): Promise<ExitCode> {
  const verify = async (countSource?: (connection: string, table: string, key: string) => Promise<number>): Promise<ExitCode> => {
    const manifest = await loadManifest(dir);
    const keyEnv = flags.keyEnv ?? manifest.encryption?.keyEnv ?? DEFAULT_KEY_ENV;
    const key: BackupKey | null = manifest.encryption ? parseBackupKey(process.env[keyEnv], keyEnv) : null;
    const result = await verifyBackup(dir, {
      key,
      countSource: countSource && ((entry) => countSource(entry.connection, entry.table, entry.key ?? entry.columns[0]?.name ?? '')),
    });
    print(flags.json ? JSON.stringify(result, null, 2) : renderVerification(result, flags.against));
    return result.ok ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  };
  if (!flags.against) {
    try {
      return await verify();
    } catch (error) {
      return reportFailure(error);
    }
  }
  return withContext(options, async ({ project }) => {
    const sources = new Map<string, Source>();
    try {
      return await verify(async (connection, table, key) => {
        const resolved = project.connections.get(connection);
        if (!resolved) throw new Error(`the backup's connection \`${connection}\` is not in ${project.file}; --against compares with the project the backup was made from`);
        let source = sources.get(connection);
        if (!source) sources.set(connection, (source = createSource(resolved)));
        return source.count({ table, key });
      });
    } finally {
      await Promise.allSettled([...sources.values()].map((s) => s.close()));
    }
  });
}

function renderVerification(result: BackupVerification, against: boolean): string {
  const headers = ['status', 'file', 'rows', ...(against ? ['source now'] : []), 'reason'];
  const rows = result.files.map((f) => [f.ok ? 'ok' : 'DIFFERS', f.file, f.rows === null ? '-' : count(f.rows), ...(against ? [f.sourceRowsNow === undefined ? '-' : count(f.sourceRowsNow)] : []), f.problems.join('; ')]);
  const bad = result.files.filter((f) => !f.ok).length;
  const verdict = bad === 0 ? `backup ok: ${result.files.length} files match the manifest` : `backup DIFFERS: ${bad} of ${result.files.length} files do not match the manifest`;
  return `${renderTable(headers, rows)}\n${verdict} (${result.format}${result.encrypted ? ', encrypted' : ''}, made ${result.createdAt})`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
