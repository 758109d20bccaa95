/**
 * The `--format` choices of the commands, known before a command's own module is loaded: the
 * command line checks its flags without loading the pipelines and drivers behind every command.
 */
import { BACKUP_FORMATS, type BackupFormat } from '../../connectors/file/backup-manifest.js';
import { FILE_WRITE_FORMATS } from '../../connectors/file/file-writer.js';
import { REPORT_FORMATS, type ReportFormat } from '../../pipelines/reports/report-formats.js';

export const PLAN_FORMATS = ['terminal', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export const RECONCILE_FORMATS = REPORT_FORMATS;
export type ReconcileFormat = ReportFormat;

export const REJECT_LIST_FORMATS = ['table', ...FILE_WRITE_FORMATS] as const;
export type RejectListFormat = (typeof REJECT_LIST_FORMATS)[number];

export { BACKUP_FORMATS, type BackupFormat };
