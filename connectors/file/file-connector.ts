/**
 * `file://` connections: a folder of exports or a single file, in CSV (also .tsv, .txt), XLSX,
 * JSON (an array of objects) or JSON Lines.
 */
import type { Connector } from '../types.js';
import { parseFileConfig, type FileConfig } from './file-config.js';
import { FileSource } from './file-source.js';

/**
 * @example
 * registry.register(fileConnector)
 * // file://./legacy-export                       a folder; the mapping's `table: customers` finds customers.csv
 * // file:///srv/export/opportunities.xlsx?sheet=Pipeline&header_row=3
 * // file://./export?encoding=windows-1252&delimiter=;
 * // file://./export?empty=empty_string&max_quoted_lines=5000
 */
export const fileConnector: Connector<FileConfig> = {
  schemes: ['file'],
  displayName: 'Files (CSV, XLSX, JSON, JSON Lines)',
  parseConfig: (url, context) => parseFileConfig(url, context),
  createSource: (config) => new FileSource(config),
  keepsEmptyStrings: (config) => config.empty === 'empty_string',
};
