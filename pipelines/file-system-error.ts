/**
 * The machine's part of a failure: a folder that is not writable, a full disk, a file gone. Node
 * reports these as `EACCES: permission denied, mkdir '/x/.cutover'` with a stack; a person needs
 * what could not be done, where, and what to do about it, on one line.
 */

/** Error codes of the file system that the environment, not the data, causes. */
export const FILE_SYSTEM_CODES = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOENT', 'EISDIR', 'ENOTDIR', 'EMFILE', 'ENFILE', 'EIO', 'EEXIST', 'ENAMETOOLONG', 'EFBIG'] as const;
export type FileSystemCode = (typeof FILE_SYSTEM_CODES)[number];

const REASONS: Readonly<Record<FileSystemCode, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or folder',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EIO: 'input/output error',
  EEXIST: 'it exists already',
  ENAMETOOLONG: 'the name is too long',
  EFBIG: 'the file is too large',
};

const HINTS: Readonly<Partial<Record<FileSystemCode, string>>> = {
  EACCES: 'make it writable (and readable) for the user running cutover, or choose another path',
  EPERM: 'make it writable (and readable) for the user running cutover, or choose another path',
  EROFS: 'choose a path on a writable file system',
  ENOSPC: 'free some space (or choose another disk), then run again; committed batches are kept',
  EDQUOT: 'free some space (or raise the quota), then run again; committed batches are kept',
  EMFILE: 'raise the open-file limit (ulimit -n), then run again',
  ENFILE: 'raise the open-file limit, then run again',
};

/** What a system call was trying to do, in words: `mkdir` → `create the folder`. */
const ACTIONS: Readonly<Record<string, string>> = {
  mkdir: 'create the folder',
  open: 'open',
  write: 'write',
  read: 'read',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove the folder',
  scandir: 'list the folder',
  stat: 'look at',
  lstat: 'look at',
  access: 'use',
  copyfile: 'copy',
  fsync: 'write',
  ftruncate: 'write',
  utime: 'touch',
};

/** A file-system fault as Node reports it: a code, the system call, the path. */
export interface FileSystemFault {
  readonly code: FileSystemCode;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
}

/** The first file-system fault in `error` or its chain of causes; undefined when there is none. */
export function findFileSystemFault(error: unknown): FileSystemFault | undefined {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 10; depth++) {
    const { code, syscall, path } = current as { code?: unknown; syscall?: unknown; path?: unknown };
    if (typeof code === 'string' && (FILE_SYSTEM_CODES as readonly string[]).includes(code) && (typeof syscall === 'string' || typeof path === 'string')) {
      return { code: code as FileSystemCode, syscall: typeof syscall === 'string' ? syscall : undefined, path: typeof path === 'string' ? path : undefined };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * One line for a file-system fault: `cannot create the folder /x/.cutover (for the log file):
 * permission denied (EACCES); make it writable …`. `role` says what the file is for, when known.
 */
export function describeFileSystemFault(fault: FileSystemFault, role?: string): string {
  const action = fault.syscall === undefined ? 'use' : (ACTIONS[fault.syscall] ?? fault.syscall);
  const where = `${fault.path === undefined ? '' : ` ${fault.path}`}${role === undefined ? '' : ` (${role})`}`;
  // A folder that cannot be made is the fault of the folder it would go in.
  const hint = fault.syscall === 'mkdir' && (fault.code === 'EACCES' || fault.code === 'EPERM') ? 'make the folder it goes in writable for the user running cutover, or choose another path' : HINTS[fault.code];
  return `cannot ${action}${where}: ${REASONS[fault.code]} (${fault.code})${hint ? `; ${hint}` : ''}`;
}

/** {@link describeFileSystemFault} of the fault in `error`, or undefined when it holds none. */
export function describeFileSystemError(error: unknown, role?: string): string | undefined {
  const fault = findFileSystemFault(error);
  return fault === undefined ? undefined : describeFileSystemFault(fault, role);
}
