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

const REDACT_PATHS = ['password', '*.password', '*.*.password', 'url.password', 'config.url.password', 'headers.authorization', '*.headers.authorization'];

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
  return pino(
    {
      level: 'debug',
      redact: { paths: REDACT_PATHS, censor: '***' },
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Messages may quote driver text; strip any URL password before it reaches a stream.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactUrl(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
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
