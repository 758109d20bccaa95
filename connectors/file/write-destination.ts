/**
 * Where the bytes of a record writer (file-writer.ts) go: a file, replaced whole or written in
 * place, optionally encrypted on the way; or a stream that stays open (stdout). The writer encodes
 * into `input` and ends it; the destination carries the bytes on, applies back-pressure, and says
 * why it failed in terms of the file the user named.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createEncryptStream, type BackupKey } from './backup-cipher.js';
import { asErrorOf, partialPath } from './replace-file.js';

export interface WriteDestination {
  /** The file asked for, or `<stdout>`. */
  readonly path: string;
  /** What the encoder writes into, and ends once it has written everything. */
  readonly input: Writable;
  /** Waits while `input` holds more than its buffer, so that memory stays one batch; throws the destination's failure. */
  drained(): Promise<void>;
  /** After `input` was ended: waits for the last byte, then puts the file in place. */
  complete(): Promise<void>;
  /** Stops after a failure (see each destination for what stays). Never throws. */
  discard(): Promise<void>;
  /** A fault met on the way, told of the file the user named (not of its `.…partial`). */
  explain(error: unknown): unknown;
}

export interface FileDestinationOptions {
  /**
   * Write under the final name from the first byte instead of a `.…partial` file renamed by
   * `complete()`. For files in a folder that a marker file completes (a backup's `manifest.json`,
   * written last): there is no previous file to keep, and its growth can be watched. @default false
   */
  readonly inPlace?: boolean | undefined;
  /** Permissions of a new file. @default 0o666 (less the umask) */
  readonly mode?: number | undefined;
  /** Encrypts the bytes (backup-cipher.ts) when given. @default null */
  readonly key?: BackupKey | null | undefined;
}

/**
 * A file. Replaced whole (the default), the previous file stays as it was until `complete()`, and
 * `discard()` removes the partial one. Written in place, `discard()` leaves what was written, as a
 * kill would: the folder's missing marker file says it is unfinished.
 */
export function openFileDestination(file: string, options: FileDestinationOptions = {}): WriteDestination {
  const inPlace = options.inPlace ?? false;
  const written = inPlace ? file : partialPath(file);
  const disk = createWriteStream(written, options.mode === undefined ? {} : { mode: options.mode });
  // Unencrypted, the encoder writes into the file stream itself: one buffer, one batch in memory.
  const cipher = options.key ? createEncryptStream(options.key) : null;
  const input: Writable = cipher ?? disk;
  const done = cipher ? pipeline(cipher, disk) : finished(disk);
  done.catch(() => undefined); // awaited by drained() and complete(); a failure in between is not unhandled
  const explain = (error: unknown) => (inPlace ? error : asErrorOf(error, written, file));
  const named = (error: unknown) => Promise.reject(explain(error));
  return {
    path: file,
    input,
    explain,
    async drained() {
      // The disk's failure ends the pipeline: `done` rejects even when `input` never drains.
      if (input.writableNeedDrain) await Promise.race([once(input, 'drain'), done]).catch(named);
    },
    async complete() {
      await done.catch(named);
      if (!inPlace) await rename(written, file).catch(named);
    },
    async discard() {
      // Destroyed before its open completed, the stream still creates the file: wait for it to close first.
      const closed = disk.closed ? Promise.resolve() : once(disk, 'close').catch(() => undefined);
      input.destroy();
      await done.catch(() => undefined);
      await closed;
      if (!inPlace) await rm(written, { force: true });
    },
  };
}

/**
 * A stream that stays open after the records (stdout): nothing is renamed or ended, and a reader
 * that has gone (`| head` read what it wanted) is no failure, the rest is just not wanted.
 * `discard()` stops forwarding; what reached the stream stays there.
 */
export function openStreamDestination(stream: Writable): WriteDestination {
  const input = new PassThrough();
  input.pipe(stream, { end: false });
  const reader = watchReader(stream);
  // Once the stream fails, the pipe lets go of it, and the rest drains into nothing instead of memory.
  void reader.leaving.then(() => input.resume());
  const forwarded = once(input, 'end');
  forwarded.catch(() => undefined); // awaited by complete(); a failure before then is not unhandled
  return {
    path: '<stdout>',
    input,
    explain: (error) => error,
    async drained() {
      reader.check();
      if (input.writableNeedDrain && !reader.left) await Promise.race([once(input, 'drain'), reader.leaving]);
      reader.check();
    },
    async complete() {
      try {
        await forwarded;
        reader.check();
      } finally {
        reader.stop();
      }
    },
    async discard() {
      input.unpipe(stream);
      input.destroy();
      reader.stop();
    },
  };
}

/**
 * Whether the reader of a stream has gone (EPIPE): no failure. Any other error of the stream is
 * thrown by `check()`.
 */
interface ReaderWatch {
  /** Settles when the stream fails: a write waiting for `drain` then waits no longer. */
  readonly leaving: Promise<void>;
  /** The stream has failed (its reader gone, or otherwise): nothing waits for it any more. */
  readonly left: boolean;
  check(): void;
  stop(): void;
}

function watchReader(stream: Writable): ReaderWatch {
  let failure: Error | null = null;
  let left = false;
  let settle!: () => void;
  const leaving = new Promise<void>((resolve) => (settle = resolve));
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') failure ??= error;
    left = true;
    settle();
  };
  stream.on('error', onError);
  return {
    leaving,
    get left() {
      return left;
    },
    check() {
      if (failure) throw failure;
    },
    stop() {
      stream.off('error', onError);
    },
  };
}
