/**
 * Options of a `file://` connection: a folder of exports (`file://./legacy-export`) or one file
 * (`file:///srv/export/customers.csv`), with query options for the text and sheet formats.
 */
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { resolveUrlPath, type ConnectionUrl } from '../connection-url.js';
import type { ConnectorContext } from '../types.js';
import { ConnectionConfigError } from '../errors.js';
import { parseBackupKey, type BackupKey } from './backup-cipher.js';

/** The formats a file source reads. */
export const FILE_FORMATS = ['csv', 'xlsx', 'json', 'jsonl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/**
 * Extensions and their formats, in the order a table name without extension is looked up:
 * `customers` finds exactly one of `customers.csv`, `customers.tsv`, … `customers.json`.
 */
export const FILE_EXTENSIONS = [
  ['.csv', 'csv'],
  ['.tsv', 'csv'],
  ['.txt', 'csv'],
  ['.xlsx', 'xlsx'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'json'],
] as const satisfies readonly (readonly [string, FileFormat])[];

/** Query options of a `file://` URL. */
export const FILE_OPTIONS = ['encoding', 'delimiter', 'sheet', 'header_row', 'empty', 'max_quoted_lines', 'max_quoted_chars', 'key_env'] as const;
type FileOption = (typeof FILE_OPTIONS)[number];

/**
 * How a CSV source reads an empty field (`empty`): `null` reads every empty field as `''`, which a
 * mapping's `empty_as_null` (on by default) loads as NULL; `empty_string` keeps a quoted `""` as
 * `''` and reads an unquoted empty field as NULL, and mappings on the connection then leave `''` alone.
 */
export const EMPTY_FIELDS = ['null', 'empty_string'] as const;
export type EmptyField = (typeof EMPTY_FIELDS)[number];

/** Line breaks a quoted CSV value may hold before its quote is taken for one that is never closed (`max_quoted_lines`). */
export const DEFAULT_MAX_QUOTED_LINES = 1000;
/** Characters a quoted CSV value may hold, likewise (`max_quoted_chars`): 8 Mi. */
export const DEFAULT_MAX_QUOTED_CHARS = 8 * 1024 * 1024;

/** Delimiters tried when `delimiter` is not given, in order of preference on a tie. */
export const SNIFFED_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Which formats each option applies to; a single-file URL with an option that does not apply is refused. */
const OPTION_FORMATS: Readonly<Record<FileOption, readonly FileFormat[]>> = {
  encoding: ['csv', 'json', 'jsonl'],
  delimiter: ['csv'],
  sheet: ['xlsx'],
  header_row: ['csv', 'xlsx'],
  empty: ['csv'],
  max_quoted_lines: ['csv'],
  max_quoted_chars: ['csv'],
  key_env: [],
};

/** Validated options of a `file://` URL. */
export interface FileConfig {
  readonly url: ConnectionUrl;
  /** Absolute path of the folder or of the single file. */
  readonly path: string;
  /** Format of a single-file URL, from its extension; null for a folder (or a name without a known extension). */
  readonly format: FileFormat | null;
  /**
   * Text encoding (WHATWG name, as `TextDecoder` knows it) of CSV and JSON files. A byte-order mark
   * overrides it, as in the WHATWG decode algorithm, and is always stripped.
   * @default 'utf-8'
   */
  readonly encoding: string;
  /** CSV field delimiter; null sniffs one of {@link SNIFFED_DELIMITERS} from the first records. @default null */
  readonly delimiter: string | null;
  /** XLSX sheet name; null reads the first sheet (in tab order). @default null */
  readonly sheet: string | null;
  /** 1-based line (CSV) or row (XLSX) of the header; blank lines before it and from it on are skipped. @default 1 */
  readonly headerRow: number;
  /** How an empty CSV field is read: see {@link EMPTY_FIELDS}. @default 'null' */
  readonly empty: EmptyField;
  /** @default {@link DEFAULT_MAX_QUOTED_LINES} */
  readonly maxQuotedLines: number;
  /** @default {@link DEFAULT_MAX_QUOTED_CHARS} */
  readonly maxQuotedChars: number;
  /**
   * Key of an encrypted backup folder, from the environment variable named by `key_env` (read
   * here, at the edge); null without `key_env`.
   * @default null
   */
  readonly key: BackupKey | null;
}

/**
 * Validates a `file://` URL. Nothing is read here: a missing file is found (and named) when the
 * source first reads, as a `FatalError`.
 * @throws ConnectionConfigError naming the option and the value it got.
 */
export function parseFileConfig(url: ConnectionUrl, context: ConnectorContext): FileConfig {
  for (const name of Object.keys(url.params)) {
    if (!(FILE_OPTIONS as readonly string[]).includes(name)) {
      throw new ConnectionConfigError(`Unknown option \`${name}\` in ${url.redacted}; valid options are ${FILE_OPTIONS.join(', ')}`);
    }
  }
  if (url.path.trim() === '') {
    throw new ConnectionConfigError(`Expected a folder or file path in ${url.redacted}, e.g. file://./legacy-export or file:///srv/export/customers.csv`);
  }
  const filePath = resolveUrlPath(url, context.baseDir);
  const extension = path.extname(filePath).toLowerCase();
  if (UNSUPPORTED_EXTENSIONS[extension]) {
    throw new ConnectionConfigError(`${url.redacted}: ${UNSUPPORTED_EXTENSIONS[extension]}`);
  }
  const format = formatOfExtension(extension);
  if (format !== null) {
    for (const name of Object.keys(url.params) as FileOption[]) {
      if (name === 'key_env') {
        throw new ConnectionConfigError(`Option \`key_env\` applies to a backup folder (e.g. file://./backup?key_env=CUTOVER_BACKUP_KEY), not to the single file ${path.basename(filePath)}, in ${url.redacted}`);
      }
      if (!OPTION_FORMATS[name].includes(format)) {
        throw new ConnectionConfigError(
          `Option \`${name}\` does not apply to ${path.basename(filePath)} (a ${format.toUpperCase()} file) in ${url.redacted}; it applies to ${OPTION_FORMATS[name].join(', ')} files`,
        );
      }
    }
  }
  return Object.freeze({
    url,
    path: filePath,
    format,
    encoding: parseEncoding(url),
    delimiter: parseDelimiter(url),
    sheet: parseSheet(url),
    headerRow: parseHeaderRow(url),
    empty: parseEmpty(url),
    maxQuotedLines: parseBound(url, 'max_quoted_lines', DEFAULT_MAX_QUOTED_LINES, 1_000_000_000),
    maxQuotedChars: parseBound(url, 'max_quoted_chars', DEFAULT_MAX_QUOTED_CHARS, 256 * 1024 * 1024),
    key: parseKey(url),
  });
}

/** Format of a file by its extension (`.CSV` counts), or null when the extension is not one we read. */
export function formatOfExtension(extension: string): FileFormat | null {
  const lower = extension.toLowerCase();
  return FILE_EXTENSIONS.find(([ext]) => ext === lower)?.[1] ?? null;
}

const UNSUPPORTED_EXTENSIONS: Readonly<Record<string, string>> = {
  '.xls': 'legacy Excel 97-2003 workbooks (.xls) are not supported; open the file in Excel or LibreOffice and save it as .xlsx',
  '.xlsb': 'binary Excel workbooks (.xlsb) are not supported; save the file as .xlsx',
  '.ods': 'OpenDocument spreadsheets (.ods) are not supported; save the file as .xlsx or .csv',
};

function parseEncoding(url: ConnectionUrl): string {
  const text = url.params.encoding;
  if (text === undefined) return 'utf-8';
  try {
    // TextDecoder knows every WHATWG label (utf-8, windows-1252, gb18030, shift_jis, utf-16le, …).
    return new TextDecoder(text.trim()).encoding;
  } catch {
    throw new ConnectionConfigError(
      `Expected \`encoding\` to be an encoding label such as utf-8, windows-1252, latin1, gb18030 or utf-16le, got \`${text}\` in ${url.redacted}`,
    );
  }
}

const DELIMITER_ALIASES: Readonly<Record<string, string>> = { tab: '\t', '\\t': '\t' };

function parseDelimiter(url: ConnectionUrl): string | null {
  const text = url.params.delimiter;
  if (text === undefined) return null;
  const delimiter = DELIMITER_ALIASES[text.toLowerCase()] ?? text;
  if ([...delimiter].length !== 1) {
    throw new ConnectionConfigError(`Expected \`delimiter\` to be one character (or \`tab\`), got \`${text}\` in ${url.redacted}`);
  }
  if (delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new ConnectionConfigError(`Expected \`delimiter\` to be a character other than a quote or a line break, got \`${JSON.stringify(text)}\` in ${url.redacted}`);
  }
  return delimiter;
}

function parseSheet(url: ConnectionUrl): string | null {
  const text = url.params.sheet;
  if (text === undefined) return null;
  if (text === '') throw new ConnectionConfigError(`Expected \`sheet\` to be a sheet name, got an empty value in ${url.redacted}`);
  return text;
}

function parseHeaderRow(url: ConnectionUrl): number {
  const text = url.params.header_row;
  if (text === undefined) return 1;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw new ConnectionConfigError(`Expected \`header_row\` to be an integer from 1 to 1000000, got \`${text}\` in ${url.redacted}`);
  }
  return value;
}

function parseEmpty(url: ConnectionUrl): EmptyField {
  const text = url.params.empty;
  if (text === undefined) return 'null';
  if (!(EMPTY_FIELDS as readonly string[]).includes(text)) {
    throw new ConnectionConfigError(`Expected \`empty\` to be one of ${EMPTY_FIELDS.join(', ')}, got \`${text}\` in ${url.redacted}`);
  }
  return text as EmptyField;
}

/** The quoted-value bounds; past `max` a runaway quote would be held in memory too long to be useful. */
function parseBound(url: ConnectionUrl, name: 'max_quoted_lines' | 'max_quoted_chars', fallback: number, max: number): number {
  const text = url.params[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < 1 || value > max) {
    throw new ConnectionConfigError(`Expected \`${name}\` to be an integer from 1 to ${max} (default ${fallback}), got \`${text}\` in ${url.redacted}`);
  }
  return value;
}

function parseKey(url: ConnectionUrl): BackupKey | null {
  const name = url.params.key_env;
  if (name === undefined) return null;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ConnectionConfigError(`Expected \`key_env\` to name an environment variable (letters, digits, _), got \`${name}\` in ${url.redacted}`);
  }
  try {
    return parseBackupKey(process.env[name], name);
  } catch (error) {
    throw new ConnectionConfigError(`${(error as Error).message} (option \`key_env\` in ${url.redacted})`);
  }
}
