/**
 * Creates a new PGlite database folder in a short-lived child process. PGlite's initdb runs two
 * more PostgreSQL instances beside the one that opens the folder (an in-memory one and initdb's
 * own module) and copies the new cluster between them as a tar image: 570–830 MB resident for a
 * database that opens afterwards at ~165 MB. WebAssembly memory is never given back, so doing it
 * in the migrating process would leave its peak there for the whole run; a child returns it to
 * the system when it exits.
 */
import { spawn } from 'node:child_process';
import { access, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { PGLITE_V8_FLAGS } from './pglite-settings.js';

// Runs in the child: argv is [node, pglite entry, folder, start parameters as JSON].
const CHILD_SCRIPT = `
const [entry, dataDir, startParams] = process.argv.slice(1);
const { PGlite } = await import(entry);
const db = new PGlite(dataDir, { startParams: JSON.parse(startParams) });
await db.waitReady;
await db.close();
`;

/**
 * Creates the cluster in a sibling folder, then moves it to `dataDir`, which must be empty: a
 * creation that fails or is killed half-way leaves no folder that looks like a database.
 */
export async function createClusterApart(dataDir: string, startParams: readonly string[], where: string): Promise<void> {
  const staging = `${dataDir}.creating-${process.pid}`;
  await removeAbandoned(dataDir);
  await rm(staging, { recursive: true, force: true });
  try {
    const { code, stderr } = await runChild(staging, startParams);
    const created = await access(path.join(staging, 'PG_VERSION')).then(() => true, () => false);
    if (code !== 0 || !created) {
      const last = stderr.trim().split('\n').filter((line) => line.trim() !== '').at(-1) ?? 'no message';
      throw new FatalError(
        `${where}: could not create the database (PGlite's initdb ${code === 0 ? 'left no PG_VERSION' : `exited with ${code}`}: ${last}); ` +
          'nothing was written: check free disk space and memory (creating one needs ~800 MB for a moment), then run again',
      );
    }
    await rmdir(dataDir);
    await rename(staging, dataDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function runChild(dataDir: string, startParams: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const entry = import.meta.resolve('@electric-sql/pglite');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...PGLITE_V8_FLAGS, '--input-type=module', '-e', CHILD_SCRIPT, entry, dataDir, JSON.stringify(startParams)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      // The tail is enough for the message; initdb can be chatty.
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}


/** Staging folders of processes that died while creating (a killed run: no `finally` ran). */
async function removeAbandoned(dataDir: string): Promise<void> {
  const prefix = `${path.basename(dataDir)}.creating-`;
  for (const name of await readdir(path.dirname(dataDir))) {
    const pid = Number(name.slice(prefix.length));
    if (name.startsWith(prefix) && Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) {
      await rm(path.join(path.dirname(dataDir), name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
