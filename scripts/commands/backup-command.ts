/**
 * `cutover backup --to DIR`, `cutover backup verify DIR`, and taking a backup back out:
 * `backup decrypt DIR --to DIR2` and `backup restore DIR --to URL`.
 */
import path from 'node:path';
import { DEFAULT_KEY_ENV, parseBackupKey, type BackupKey } from '../../connectors/file/backup-cipher.js';
import type { BackupFormat, BackupManifest } from '../../connectors/file/backup-manifest.js';
import { ConnectionUrlError } from '../../connectors/connection-url.js';
import { builtinConnectors, createSource, type ResolvedConnection } from '../../connectors/registry.js';
import type { Source } from '../../connectors/types.js';
import { decryptBackup } from '../../pipelines/backup/decrypt.js';
import { exportBackup } from '../../pipelines/backup/export.js';
import { restoreBackup, type RestoreResult } from '../../pipelines/backup/restore.js';
import { loadManifest, verifyBackup, type BackupVerification } from '../../pipelines/backup/verify.js';
import { interpolateEnv } from '../../pipelines/config/interpolate-env.js';
import { EXIT_CODES, RunError, type ExitCode } from '../../pipelines/errors.js';
import { createLogger, type Logger } from '../../pipelines/logger.js';
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
    const stop = installStopHandlers(log, { atOnce: 'the backup will be incomplete' });
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
    } catch (error) {
      if (!stop.signal.aborted) throw error;
      throw new RunError(`backup stopped: ${flags.to} holds an incomplete backup (no manifest.json), which no command will take for a whole one`, {
        hint: 'remove the folder, or choose a new one, and run the backup again',
        cause: error,
      });
    } finally {
      stop.dispose();
    }
  });
}

/**
 * `cutover backup verify DIR [--against [URL]]`: exit 0 every file ok, 1 any differs, 2 could not
 * run. `--against` alone counts the project's source connections; `--against URL` counts the
 * tables in that database (where `backup restore` put them).
 */
export async function backupVerifyCommand(options: GlobalOptions, dir: string, flags: { against: boolean | string; keyEnv: string | undefined; json: boolean }): Promise<ExitCode> {
  const verify = async (countSource?: (connection: string, table: string, key: string) => Promise<number>): Promise<ExitCode> => {
    const manifest = await loadManifest(dir);
    const key = backupKeyFor(manifest, flags.keyEnv);
    const result = await verifyBackup(dir, {
      key,
      countSource: countSource && ((entry) => countSource(entry.connection, entry.table, entry.key ?? entry.columns[0]?.name ?? '')),
    });
    print(flags.json ? JSON.stringify(result, null, 2) : renderVerification(result, flags.against !== false));
    return result.ok ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  };
  if (!flags.against) {
    try {
      return await verify();
    } catch (error) {
      return reportFailure(error);
    }
  }
  if (typeof flags.against === 'string') {
    let source: Source | undefined;
    try {
      const restored = resolveDatabaseUrl('--against', flags.against);
      return await verify((_connection, table, key) => (source ??= createSource(restored)).count({ table, key }));
    } catch (error) {
      return reportFailure(error);
    } finally {
      await source?.close();
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

/** `cutover backup decrypt DIR --to DIR2 [--key-env NAME]`: exit 0 written, 2 could not. */
export async function backupDecryptCommand(options: GlobalOptions, dir: string, flags: { to: string; keyEnv: string | undefined }): Promise<ExitCode> {
  const log = terminalLog(options);
  const stop = installStopHandlers(log);
  try {
    const key = backupKeyFor(await loadManifest(dir), flags.keyEnv);
    const manifest = await decryptBackup({
      dir,
      to: flags.to,
      key,
      signal: stop.signal,
      onFile: (file) => log.info(`decrypted ${file.file}: ${count(file.bytes)} bytes`),
    });
    const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    print(`decrypted ${manifest.files.length} files (${(bytes / 1e6).toFixed(1)} MB) into ${flags.to}; \`cutover backup verify ${flags.to}\` checks them against ${path.join(flags.to, 'manifest.json')}`);
    return EXIT_CODES.reconciled;
  } catch (error) {
    return reportFailure(error);
  } finally {
    stop.dispose();
  }
}

export interface RestoreFlags {
  /** Connection URL of the database to load into (`${VAR}` expanded). */
  readonly to: string;
  readonly replace: boolean;
  readonly keyEnv: string | undefined;
  readonly json: boolean;
}

/** `cutover backup restore DIR --to URL [table…] [--replace]`: exit 0 every table's count matches, 1 any differs, 2 could not run. */
export async function backupRestoreCommand(options: GlobalOptions, dir: string, only: readonly string[], flags: RestoreFlags): Promise<ExitCode> {
  const log = terminalLog(options);
  const stop = installStopHandlers(log);
  try {
    const target = resolveDatabaseUrl('--to', flags.to);
    const key = backupKeyFor(await loadManifest(dir), flags.keyEnv);
    const result = await restoreBackup({
      dir,
      key,
      target,
      only,
      replace: flags.replace,
      signal: stop.signal,
      stopRequested: stop.stopRequested,
      onTable: (t) => log.info(`restored ${t.table}: ${count(t.restoredRows)} rows from ${t.file}`),
    });
    print(flags.json ? JSON.stringify(result, null, 2) : renderRestore(result, flags.to, target));
    if (result.notRestored.length > 0) return EXIT_CODES.couldNotRun;
    return result.ok ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
  } catch (error) {
    return reportFailure(error);
  } finally {
    stop.dispose();
  }
}

/** The key of an encrypted backup, from `--key-env` or the variable its manifest names; null for a plain one. */
function backupKeyFor(manifest: BackupManifest, keyEnv: string | undefined): BackupKey | null {
  if (manifest.encryption === null) return null;
  const variable = keyEnv ?? manifest.encryption.keyEnv ?? DEFAULT_KEY_ENV;
  return parseBackupKey(process.env[variable], variable);
}

/** A database URL given on the command line, `${VAR}` expanded as in cutover.yaml, so that a password can stay in a variable. */
function resolveDatabaseUrl(option: string, text: string): ResolvedConnection {
  const expanded = interpolateEnv(text, process.env);
  if (!expanded.ok) throw new RunError(`${option}: ${expanded.message}; export it, or write the URL out`);
  try {
    return builtinConnectors().resolve(option.replace(/^--/, ''), expanded.text, { baseDir: process.cwd() });
  } catch (error) {
    if (error instanceof ConnectionUrlError) throw new RunError(`${option}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Log lines on the terminal only: decrypt and restore need no project, so there is no log file. */
function terminalLog(options: GlobalOptions): Logger {
  return createLogger({ file: null, terminal: options.quiet ? null : process.stderr, terminalLevel: options.verbose ? 'debug' : 'info' });
}

function renderRestore(result: RestoreResult, url: string, target: ResolvedConnection): string {
  const rows = result.tables.map((t) => [t.ok ? 'ok' : 'DIFFERS', t.table, t.file, count(t.rows), count(t.restoredRows), t.found === 'missing' ? 'created' : t.found === 'filled' ? 'replaced' : 'loaded (was empty)']);
  const lines = [renderTable(['status', 'table', 'file', 'backup rows', 'restored rows', 'action'], rows)];
  const restored = result.tables.reduce((sum, t) => sum + t.restoredRows, 0);
  const bad = result.tables.filter((t) => !t.ok).length;
  if (result.notRestored.length > 0) {
    lines.push(`stopped: ${result.notRestored.map((t) => `\`${t}\``).join(', ')} not restored; run \`cutover backup restore ${result.dir} --to … ${result.notRestored.join(' ')}\` for them`);
  } else if (bad > 0) {
    lines.push(`restore DIFFERS: ${bad} of ${result.tables.length} tables do not hold the rows the manifest records (${result.target})`);
  } else {
    // The line to check it with: the URL as the user wrote it (a `${VAR}` stays a reference), or redacted.
    const against = url.includes('${') ? url : target.url.redacted;
    const check = result.whole ? `; check it with: cutover backup verify ${result.dir} --against '${against}'` : '';
    lines.push(`restored ${count(restored)} rows in ${result.tables.length} ${result.tables.length === 1 ? 'table' : 'tables'} into ${result.target}${check}`);
  }
  return lines.join('\n');
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
