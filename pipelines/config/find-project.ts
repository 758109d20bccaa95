/**
 * Which project a command works on when `-p` is not given: `$CUTOVER_PROJECT`, or else the nearest
 * cutover.yaml in the current folder or a folder above it, as git finds its repository.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RunError } from '../errors.js';
import { PROJECT_FILE } from './load-project.js';
import type { Environment } from './interpolate-env.js';

/**
 * The folder or file to load: `given` (`-p`), else `$CUTOVER_PROJECT`, else the nearest
 * cutover.yaml from `cwd` upwards.
 * @throws RunError saying where it looked, when no folder up to the root holds a cutover.yaml
 */
export async function locateProject(given: string | undefined, env: Environment, cwd: string): Promise<string> {
  if (given !== undefined) return given;
  const named = env.CUTOVER_PROJECT;
  if (named !== undefined && named !== '') return named;
  return findProjectFile(cwd);
}

/** The nearest cutover.yaml in `start` or a folder above it, stopping at the file system's root. */
export async function findProjectFile(start: string): Promise<string> {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, PROJECT_FILE);
    if (await exists(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const from = path.resolve(start);
  const where = from === dir ? dir : `${from} or any folder above it (up to ${dir})`;
  throw new RunError(`no ${PROJECT_FILE} in ${where}`, {
    hint: `run cutover inside a project folder, or name one with -p DIR or CUTOVER_PROJECT; nothing was run`,
  });
}

async function exists(file: string): Promise<boolean> {
  // A cutover.yaml that is a folder or unreadable is found all the same: loading it says what is
  // wrong, where skipping it would quietly take a project further up.
  return (await stat(file).catch(() => null)) !== null;
}
