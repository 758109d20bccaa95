/**
 * One pino root: JSON lines to the project's log file for machines and later reading, short
 * readable lines on the terminal for people. Secrets are redacted where they enter (connection
 * URLs are always logged in their redacted form); pino's `redact` is the second net.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { redactUrl } from '../connectors/connection-url.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** JSON log file; null for none. */
  readonly file: string | null;
  /** Where readable lines go (stderr), or null for none. */
  readonly terminal: NodeJS.WritableStream | null;
  /** Lowest level shown on the terminal. @default 'info' */
  readonly terminalLevel?: pino.Level;
  /** Called before a line is printed, so that a progress line can be cleared first. */
  readonly beforeTerminalLine?: () => void;
}

/** Keys that hold a secret whatever their value; their values are written as `***`. */
const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'url.password', 'config.url.password', 'config.password',
  'connectionString', '*.connectionString', 'uri', '*.uri', 'secret', '*.secret', 'token', '*.token',
  'authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
];

/** How deep logged objects are searched for URLs with a password. */
const MAX_DEPTH = 8;

export function createLogger(options: LoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    mkdirSync(path.dirname(options.file), { recursive: true });
    streams.push({ level: 'debug', stream: pino.destination({ dest: options.file, sync: true, mkdir: true }) });
  }
  if (options.terminal) {
    streams.push({ level: options.terminalLevel ?? 'info', stream: readableLines(options.terminal, options.beforeTerminalLine) });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  const root = pino(
    {
      level: 'debug',
      redact: { paths: REDACT_PATHS, censor: '***' },
      base: { pid: process.pid },
      // Every string of a logged object (an error's message, stack and causes included) loses any
      // URL password, whatever key it sits under: the redact paths only know the names of keys.
      formatters: { level: (label) => ({ level: label }), log: redactFields },
      serializers: { err: (error: unknown) => redactStrings(error, 0, new WeakSet()) },
      hooks: {
        // Messages may quote driver text; strip any URL password before it reaches a stream.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactUrl(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
  // pino applies `formatters.bindings` to the root only; children are made with Object.create, so
  // this override reaches grandchildren too, and `child({ url })` is redacted like a logged field.
  const makeChild = root.child;
  root.child = function child(this: Logger, bindings, childOptions) {
    return makeChild.call(this, redactFields(bindings), childOptions);
  } as Logger['child'];
  return root;
}

/** The fields of a log call with {@link redactStrings}; `err` is left to its serializer, which redacts too. */
function redactFields(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, key === 'err' ? value : redactStrings(value, 1, new WeakSet())]));
}

/** A copy of `value` in which every string went through {@link redactUrl}; an error becomes what pino writes of it. */
function redactStrings(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return value;
  seen.add(value);
  // pino's form of an error (type, message, stack with its causes, own fields), as a plain object.
  if (value instanceof Error) return redactStrings({ ...pino.stdSerializers.err(value) }, depth, seen);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactStrings((value as { toJSON(): unknown }).toJSON(), depth + 1, seen);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, depth + 1, seen));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, depth + 1, seen)]));
}

const LEVEL_LABELS: Record<string, string> = { trace: 'trace', debug: 'debug', info: 'info ', warn: 'WARN ', error: 'ERROR', fatal: 'FATAL' };

/** Renders pino's JSON lines as `12:00:03 WARN  customers: message`; `{ terminal: false }` lines stay in the file. */
function readableLines(out: NodeJS.WritableStream, before?: () => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const event = JSON.parse(line) as { level: string; time: number; msg?: string; entity?: string; err?: { message?: string }; terminal?: boolean };
          if (event.terminal === false) continue;
          const time = new Date(event.time).toTimeString().slice(0, 8);
          const scope = event.entity ? `${event.entity}: ` : '';
          const error = event.err?.message && !event.msg?.includes(event.err.message) ? ` (${event.err.message})` : '';
          before?.();
          out.write(`${time} ${LEVEL_LABELS[event.level] ?? event.level} ${scope}${event.msg ?? ''}${error}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
