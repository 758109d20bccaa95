/**
 * Every `cutover` command, one block each: its arguments, options, help and how it runs. Adding a
 * command is adding a block to COMMANDS (see CommandDefinition); its help, its refusals of options
 * that are not its own, its shell completion and the help test follow from the block.
 *
 * Each `run` loads its command's module when it runs: `--help` and usage errors load no pipeline
 * or driver.
 */
import {
  BACKUP_FORMATS,
  PLAN_FORMATS,
  RECONCILE_FORMATS,
  REJECT_LIST_FORMATS,
  type BackupFormat,
  type PlanFormat,
  type ReconcileFormat,
  type RejectListFormat,
} from '../commands/command-formats.js';
import type { CommandDefinition, CommandInput, OptionDefinition } from './command-definition.js';
import { UsageError } from './usage-error.js';

/** Options every command takes, before or after its name. */
export const GLOBAL_OPTIONS: readonly OptionDefinition[] = [
  { flags: '-p, --project <DIR>', description: 'project folder with cutover.yaml', defaultText: '$CUTOVER_PROJECT, else the nearest cutover.yaml here or above' },
  { flags: '-q, --quiet', description: 'no log lines or progress on the terminal' },
  { flags: '-v, --verbose', description: 'debug log lines on the terminal' },
  { flags: '--no-progress', description: 'no progress line' },
  {
    flags: '--max-heap <MB>',
    description: 'V8 heap the command may use (env CUTOVER_MAX_HEAP_MB; 0 = Node\u2019s own limit); an embedded PGlite database comes on top',
    defaultText: '256',
  },
];

const JSON_OUTPUT: OptionDefinition = { flags: '--json', description: 'the result as JSON on stdout, for scripts' };
/** The key of a backup that is read back: the variable its manifest names, unless given. */
const MANIFEST_KEY_ENV: OptionDefinition = { flags: '--key-env <NAME>', description: 'environment variable holding the key', defaultText: 'the manifest\u2019s' };
const FULL: OptionDefinition = { flags: '--full', description: 're-read every row instead of starting at the watermark (writes only rows whose mapped values changed)' };
const DETECT_DELETES: OptionDefinition = { flags: '--detect-deletes', description: 'also find rows deleted from the source (compares every key in the id map with it)' };
const WAIT: readonly OptionDefinition[] = [
  { flags: '--wait', description: 'with a run in progress on the target, wait for it to end first' },
  { flags: '--wait-timeout <SECONDS>', description: 'how long --wait waits before giving up with exit 2', defaultText: '1800' },
];

const DONE = 'done: every source row is accounted for';
const UNACCOUNTED = 'done, but rows are unaccounted (the ledger says where)';
const COULD_NOT_RUN = 'could not run: the message on stderr says why and what to do';
const STOPPED = 'stopped by Ctrl-C (143: by SIGTERM); committed batches are kept, the message gives the command that resumes';

/** `--wait [--wait-timeout S]` in ms, or null without `--wait`. */
function waitMs(input: CommandInput): number | null {
  return input.flag('wait') ? input.integer('waitTimeout', 1800, 1) * 1000 : null;
}

export const COMMANDS: readonly CommandDefinition[] = [
  {
    name: 'demo',
    summary: 'migrate the bundled legacy CRM sample into an embedded PGlite database, then reconcile',
    description: 'Generates the sample legacy CRM export (deterministic for a seed), migrates it with the example mappings into an embedded PGlite database and reconciles. Needs no server. Run it again and every row is reported unchanged.',
    options: [
      { flags: '--dir <DIR>', description: 'working folder for the export, the database and the log', defaultText: '.cutover-demo' },
      { flags: '--fresh', description: 'remove the folder first and start over' },
      { flags: '--seed <N>', description: 'seed of the generated export', defaultText: '42' },
      JSON_OUTPUT,
    ],
    exitCodes: { 0: 'done and reconciled', 1: 'the reconciliation differs', 2: COULD_NOT_RUN, 130: STOPPED },
    examples: ['cutover demo', 'cutover demo --dir /tmp/demo --fresh --seed 7 --json'],
    run: async (input) => {
      const flags = { dir: input.text('dir') ?? '.cutover-demo', fresh: input.flag('fresh'), seed: input.integer('seed', 42, 0), json: input.flag('json') };
      return (await import('../commands/demo-command.js')).demoCommand(input.global, flags);
    },
  },
  {
    name: 'init',
    summary: 'a new project from a source\u2019s schema: cutover.yaml, a mapping per table, target migrations',
    description:
      'Reads the tables, columns, keys, foreign keys and a sample of rows of a legacy source (MySQL/MariaDB, PostgreSQL or an export folder) and writes a project: cutover.yaml, one mapping per table with fields 1:1 and transforms suggested from the types and values, lookups from foreign keys, and target migrations. The project validates and runs as written; read it, then change what needs a person\u2019s judgement.',
    options: [
      { flags: '--from <URL>', description: 'the legacy source: mysql://\u2026, postgres://\u2026 or file://./export (required)' },
      { flags: '--to <DIR>', description: 'the folder to write the project into', defaultText: '-p or .' },
      { flags: '--tables <LIST>', description: 'comma-separated tables to map', defaultText: 'every table with a one-column key' },
      { flags: '--target <URL>', description: 'the new system', defaultText: 'pglite://./.cutover/newcrm' },
      { flags: '--force', description: 'replace the files of a project that is there' },
    ],
    exitCodes: { 0: 'written, and it validates', 2: COULD_NOT_RUN },
    examples: ["cutover init --from 'mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm' --to ./crm --tables accounts,contacts"],
    run: async (input) => {
      const from = input.text('from');
      if (from === undefined) throw new UsageError('Expected `--from URL`: the legacy source to read the schema of (mysql://\u2026, postgres://\u2026, file://./export)');
      const tables = input.text('tables')?.split(',').map((t) => t.trim()).filter(Boolean);
      const flags = { from, to: input.text('to'), target: input.text('target'), tables, force: input.flag('force') };
      return (await import('../commands/init-command.js')).initCommand(input.global, flags);
    },
  },
  {
    name: 'validate',
    summary: 'check cutover.yaml and the mapping files; connects to nothing',
    description: 'Checks cutover.yaml and every mapping file against the schemas and each other, and lists every problem with file, line, column and JSON pointer. Connects to nothing.',
    options: [{ flags: '--transforms', description: 'list the field transforms instead' }, JSON_OUTPUT],
    exitCodes: { 0: 'valid', 2: 'invalid (every problem is listed) or the project could not be read' },
    examples: ['cutover validate -p mappings/example', 'cutover validate --json'],
    run: async (input) => (await import('../commands/validate-command.js')).validateCommand(input.global, { transforms: input.flag('transforms'), json: input.flag('json') }),
  },
  {
    name: 'plan',
    arguments: '[entity...]',
    summary: 'what `run` would insert, update, reject, filter and delete; writes nothing',
    description: 'What `cutover run` would do with the same options, per entity: rows to insert, update, leave unchanged, merge, reject, filter, delete or archive. Writes nothing (a target that does not exist yet is not even created).',
    options: [
      FULL,
      DETECT_DELETES,
      { flags: '--format <FORMAT>', description: 'output format', choices: PLAN_FORMATS, defaultText: 'terminal' },
      { flags: '--out <FILE>', description: 'write the plan there instead of stdout' },
      { ...JSON_OUTPUT, description: 'the same as --format json' },
      ...WAIT,
    ],
    exitCodes: { 0: 'planned', 2: COULD_NOT_RUN },
    examples: ['cutover plan --full', 'cutover plan customers --json --out plan.json'],
    run: async (input) => {
      const flags = { full: input.flag('full'), detectDeletes: input.flag('detectDeletes'), format: input.format<PlanFormat>('terminal'), out: input.text('out'), waitMs: waitMs(input) };
      return (await import('../commands/plan-command.js')).planCommand(input.global, input.args, flags);
    },
  },
  {
    name: 'run',
    arguments: '[entity...]',
    summary: 'migrate what changed since the last run (everything the first time)',
    description:
      'Checks every source, reports schema drift since the last run, applies the target migrations, then migrates the entities (all, or those named) in the order of cutover.yaml, then carries out deletions. Ctrl-C lets the batch in flight commit, then stops; a second Ctrl-C aborts at once and the open batch rolls back.',
    options: [FULL, DETECT_DELETES, ...WAIT, { ...JSON_OUTPUT, description: 'the run id, its status and the ledger per entity as JSON on stdout' }],
    exitCodes: { 0: DONE, 1: UNACCOUNTED, 2: `${COULD_NOT_RUN} (another run in progress: --wait waits for it)`, 130: STOPPED },
    examples: ['cutover run -p mappings/example', 'cutover run customers --full --json'],
    run: async (input) => {
      const flags = { full: input.flag('full'), detectDeletes: input.flag('detectDeletes'), waitMs: waitMs(input), json: input.flag('json') };
      return (await import('../commands/run-command.js')).runCommand(input.global, input.args, flags);
    },
  },
  {
    name: 'final',
    summary: 'the cutover gate: a last sync (deletions included), then a full reconciliation',
    description: 'A last incremental run with --detect-deletes, then a full reconciliation, counts and values (as `reconcile`). Exit 0 only when every entity reconciles, no value differs and no deletion is left undone.',
    options: [{ ...JSON_OUTPUT, description: 'the run, the reconciliation and the verdict as JSON' }, { flags: '--out <FILE>', description: 'write the result there instead of stdout' }, ...WAIT],
    exitCodes: { 0: 'ready: the two systems agree', 1: 'not ready: the verdict says why', 2: COULD_NOT_RUN, 130: STOPPED },
    examples: ['cutover final -p mappings/example --json --out final.json'],
    run: async (input) => (await import('../commands/final-command.js')).finalCommand(input.global, { json: input.flag('json'), out: input.text('out'), waitMs: waitMs(input) }),
  },
  {
    name: 'status',
    summary: 'recent runs, the last ledger, state per entity',
    description: 'Recent runs, the last run\u2019s ledger and the state per entity (loaded, merged, filtered, rejected, deleted, deletions pending, watermark); a run in progress is named on top.',
    options: [
      { flags: '--merges', description: 'every merge instead: survivor, merged record, rule and score' },
      { flags: '--entity <NAME>', description: 'with --merges: of this entity only' },
      JSON_OUTPUT,
      ...WAIT,
    ],
    exitCodes: { 0: 'shown', 2: COULD_NOT_RUN },
    examples: ['cutover status', 'cutover status --merges --entity customers --json'],
    run: async (input) => {
      if (input.text('entity') !== undefined && !input.flag('merges')) throw new UsageError('`--entity` of `cutover status` goes with `--merges`');
      const flags = { json: input.flag('json'), merges: input.flag('merges'), entity: input.text('entity'), waitMs: waitMs(input) };
      return (await import('../commands/status-command.js')).statusCommand(input.global, flags);
    },
  },
  {
    name: 'reconcile',
    arguments: '[entity...]',
    summary: 'source vs state vs target, by counts and value by value; a report a manager can sign',
    description:
      'Counts the source now, the state and the target and checks that every source row is accounted for, then compares every target row cutover owns with its source row, re-mapped, and writes one report (terminal, JSON, CSV, Excel, HTML).',
    options: [
      { flags: '--format <FORMAT>', description: 'report format', choices: RECONCILE_FORMATS, defaultText: 'terminal' },
      { flags: '--out <FILE>', description: 'write the report there (xlsx: needed when stdout is a terminal)' },
      { flags: '--counts-only', description: 'the quick check: counts only, no value-by-value comparison' },
      { flags: '--content', description: 'accepted for compatibility: values are compared by default', hidden: true },
      { ...JSON_OUTPUT, description: 'the same as --format json' },
      ...WAIT,
    ],
    exitCodes: { 0: 'reconciled', 1: 'differences (counts or values; the report says where)', 2: `${COULD_NOT_RUN}, or a run in progress left entities not compared` },
    examples: ['cutover reconcile', 'cutover reconcile --format html --out reconciliation.html', 'cutover reconcile --counts-only --json'],
    run: async (input) => {
      const flags = { format: input.format<ReconcileFormat>('terminal'), out: input.text('out'), countsOnly: input.flag('countsOnly'), waitMs: waitMs(input) };
      return (await import('../commands/reconcile-command.js')).reconcileCommand(input.global, input.args, flags);
    },
  },
  {
    name: 'rejects list',
    isDefault: true,
    summary: 'rejected rows with key, stage, reason and origin',
    description: 'Rejected rows with key, stage, reason and origin (file and line, or table). `cutover rejects` is `cutover rejects list`.',
    options: [
      { flags: '--entity <NAME>', description: 'of this entity only' },
      { flags: '--format <FORMAT>', description: 'output format (csv is formula-guarded for spreadsheets; xlsx needs --out on a terminal)', choices: REJECT_LIST_FORMATS, defaultText: 'the --out file\u2019s extension, else table' },
      { flags: '--out <FILE>', description: 'write to this file instead of stdout', defaultText: 'stdout' },
      { flags: '--force', description: 'replace the --out file when it exists' },
      { flags: '--limit <N>', description: 'at most this many rejects (stderr says when the list was cut)', defaultText: '100 in the table and the JSON, every one in a file format' },
      { ...JSON_OUTPUT, description: 'the rejects as a JSON array, every field' },
    ],
    exitCodes: { 0: 'listed', 2: COULD_NOT_RUN },
    examples: ['cutover rejects list --entity customers', 'cutover rejects list --format xlsx --out rejects.xlsx'],
    run: async (input) => {
      if (input.flag('json') && input.text('format') !== undefined) throw new UsageError('`--json` and `--format` of `cutover rejects list` contradict each other; give one of them');
      const out = input.text('out');
      // `--out rejects.csv` says the format too; `--format` says it otherwise (and wins).
      const named = REJECT_LIST_FORMATS.find((format) => format !== 'table' && out?.toLowerCase().endsWith(`.${format}`));
      const flags = { entity: input.text('entity'), format: input.choice<RejectListFormat>('format', named ?? 'table'), out, limit: input.text('limit') === undefined ? undefined : input.integer('limit', 100, 1), force: input.flag('force'), json: input.flag('json') };
      return (await import('../commands/rejects-command.js')).rejectsListCommand(input.global, flags);
    },
  },
  {
    name: 'backup',
    arguments: '[table...]',
    summary: 'every table of the source connections, raw, one file each, with manifest.json',
    description: 'Every base table of each source connection (or the tables or entities named), every column and row, one file per table, then manifest.json with counts and checksums.',
    options: [
      { flags: '--to <DIR>', description: 'the folder to write into; must be new or empty (required)' },
      { flags: '--format <FORMAT>', description: 'file format', choices: BACKUP_FORMATS, defaultText: 'csv' },
      { flags: '--encrypt', description: 'encrypt every file (AES-256-GCM) with the key in --key-env' },
      { flags: '--key-env <NAME>', description: 'environment variable holding the key', defaultText: 'CUTOVER_BACKUP_KEY' },
      { ...JSON_OUTPUT, description: 'the files written, with rows and bytes, as JSON' },
    ],
    exitCodes: { 0: 'written', 2: COULD_NOT_RUN, 130: 'stopped by Ctrl-C (143: by SIGTERM); the backup is incomplete (no manifest.json)' },
    examples: ['cutover backup --to ./legacy-backup --format csv --encrypt'],
    run: async (input) => {
      const to = input.text('to');
      if (to === undefined) throw new UsageError('Expected `--to DIR`: the folder to write the backup into');
      const flags = { to, format: input.choice<BackupFormat>('format', 'csv'), encrypt: input.flag('encrypt'), keyEnv: input.text('keyEnv'), json: input.flag('json') };
      return (await import('../commands/backup-command.js')).backupCommand(input.global, input.args, flags);
    },
  },
  {
    name: 'backup verify',
    arguments: '<DIR>',
    summary: 'every backup file against its manifest: size, SHA-256, rows read back',
    options: [
      { flags: '--against [URL]', description: 'also compare row counts with the live source now, or with the database at URL (a restored backup)' },
      MANIFEST_KEY_ENV,
      JSON_OUTPUT,
    ],
    exitCodes: { 0: 'every file is ok', 1: 'a file differs (the reason is given)', 2: COULD_NOT_RUN },
    examples: ['cutover backup verify ./legacy-backup --against', "cutover backup verify ./legacy-backup --against 'postgres://root@127.0.0.1:5432/restored'"],
    run: async (input) => {
      const flags = { against: input.valueOrFlag('against'), keyEnv: input.text('keyEnv'), json: input.flag('json') };
      return (await import('../commands/backup-command.js')).backupVerifyCommand(input.global, input.args[0]!, flags);
    },
  },
  {
    name: 'backup decrypt',
    arguments: '<DIR>',
    summary: 'an encrypted backup as plain files, with a manifest that verifies',
    description: 'Decrypts every file of an encrypted backup into a new folder, streaming, and writes a manifest for the plain files (`cutover backup verify` checks them). The key comes from the variable the manifest names, or --key-env.',
    options: [
      { flags: '--to <DIR>', description: 'a new or empty folder for the plain files (required)' },
      MANIFEST_KEY_ENV,
    ],
    exitCodes: { 0: 'decrypted', 2: COULD_NOT_RUN },
    examples: ['cutover backup decrypt ./legacy-backup --to ./legacy-backup-plain'],
    run: async (input) => {
      const to = input.text('to');
      if (to === undefined) throw new UsageError('Expected `backup decrypt DIR --to DIR2`: the encrypted backup, and a new folder for the plain files');
      return (await import('../commands/backup-command.js')).backupDecryptCommand(input.global, input.args[0]!, { to, keyEnv: input.text('keyEnv') });
    },
  },
  {
    name: 'backup restore',
    arguments: '<DIR> [table...]',
    summary: 'a backup loaded into a MySQL/MariaDB or PostgreSQL database, table by table',
    description: 'Creates each table from the column kinds the manifest records, loads it from the backup file (plain or encrypted), and counts it against the manifest. Nothing is loaded until the key, the file sizes and the tables that exist are checked; a table that holds rows is refused unless --replace.',
    options: [
      { flags: '--to <URL>', description: 'the database to load into (required); ${VAR} expands as in cutover.yaml' },
      { flags: '--replace', description: 'drop and re-create tables that hold rows' },
      MANIFEST_KEY_ENV,
      JSON_OUTPUT,
    ],
    exitCodes: { 0: 'every table holds the manifest\u2019s row count', 1: 'a table differs', 2: COULD_NOT_RUN },
    examples: ["cutover backup restore ./legacy-backup --to 'postgres://root@127.0.0.1:5432/restored'"],
    run: async (input) => {
      const to = input.text('to');
      if (to === undefined) throw new UsageError('Expected `backup restore DIR --to URL [table\u2026]`: the backup, and the database to load it into');
      const flags = { to, replace: input.flag('replace'), keyEnv: input.text('keyEnv'), json: input.flag('json') };
      return (await import('../commands/backup-command.js')).backupRestoreCommand(input.global, input.args[0]!, input.args.slice(1), flags);
    },
  },
  {
    name: 'completion',
    arguments: '<shell>',
    completeArguments: ['bash', 'zsh'],
    summary: 'print a shell completion script (bash or zsh)',
    description: 'Prints a completion script for bash or zsh: commands, and the options of each.',
    exitCodes: { 0: 'printed', 2: 'not a shell it knows' },
    examples: ['source <(cutover completion bash)', 'cutover completion zsh > "${fpath[1]}/_cutover"'],
    run: async (input) => (await import('./completion-script.js')).printCompletion(input.args[0]!),
  },
];
