/**
 * An exclusive lock file beside a PGlite data folder. PGlite is one process's database: a second
 * process opening the same folder would corrupt it, so it is refused with the holder's pid.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { FatalError } from '../errors.js';

export interface FolderLock {
  release(): Promise<void>;
}

export async function acquireFolderLock(lockFile: string, what: string): Promise<FolderLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      await handle.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await rm(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readHolder(lockFile);
      if (holder && holder.host === hostname() && isAlive(holder.pid)) {
        throw new FatalError(
          `${what} is in use by process ${holder.pid} on ${holder.host} since ${holder.since}; ` +
            'wait for it to finish (PGlite allows one process at a time)',
        );
      }
      // The holder died without cleaning up (SIGKILL): the lock is stale.
      await rm(lockFile, { force: true });
    }
  }
  throw new FatalError(`${what}: could not take the lock file ${lockFile}`);
}

async function readHolder(lockFile: string): Promise<{ pid: number; host: string; since: string } | null> {
  try {
    return JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number; host: string; since: string };
  } catch {
    return null;
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
