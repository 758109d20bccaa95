/**
 * Files that people open or that a later run reads (review files, reports, plans) are replaced
 * whole: written under a temporary name beside the final one, then renamed over it. A process
 * killed halfway leaves the previous file as it was, and a `.…partial` file that says what it is.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The temporary name of `file` while it is written: hidden, in the same folder (a rename within
 * one file system is atomic), and per process, so that two writers never share one.
 * @example partialPath('review/customers.csv') // 'review/.customers.csv.4711.partial'
 */
export function partialPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
}

/** Writes `data` to `file` so that `file` is always either the old content or the new one, never a part. */
export async function replaceFile(file: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const partial = partialPath(file);
  try {
    await writeFile(partial, data, options);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw asErrorOf(error, partial, file);
  }
}

/**
 * A fault met while writing the temporary file is told of the file the user named: they asked for
 * `plan.json`, not for `.plan.json.4711.partial`.
 */
export function asErrorOf(error: unknown, partial: string, file: string): unknown {
  if (error instanceof Error) {
    const fault = error as NodeJS.ErrnoException & { dest?: string };
    if (fault.path === partial) fault.path = file;
    if (fault.dest === partial) fault.dest = file;
    if (fault.message.includes(partial)) fault.message = fault.message.split(partial).join(file);
  }
  return error;
}
