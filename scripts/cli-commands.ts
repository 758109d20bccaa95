/**
 * The `cutover` commands: argument parsing only. Every command lives in pipelines/ (through
 * scripts/commands/) and returns an exit code: 0 reconciled, 1 discrepancies, 2 could not run.
 * Started by cli.ts, in the worker thread with the capped heap.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_CODES, type ExitCode } from '../pipelines/errors.js';
import type { GlobalOptions } from './commands/command-context.js';
// Each command's module is loaded when it runs: `--help` or a usage mistake loads no pipeline or driver.
import {
  BACKUP_FORMATS,
  PLAN_FORMATS,
  RECONCILE_FORMATS,
  REJECT_LIST_FORMATS,
  type BackupFormat,
  type PlanFormat,
  type ReconcileFormat,
  type RejectListFormat,
} from './commands/command-formats.js';

const USAGE = `cutover: move a company off its legacy CRM, re-runnably, with every row accounted for.

Usage: cutover <command> [options]

Commands:
  demo                     migrate the bundled legacy CRM sample into an embedded PGlite database
  validate                 check cutover.yaml and the mapping files; connects to nothing
  plan [entity…]           what \`run\` would insert, update, reject, filter and delete; writes nothing
  run [entity…]            migrate what changed since the last run (everything the first time)
  final                    the cutover gate: a last sync (deletions included), then a full reconciliation;
                           exit 0 only when the two systems agree
  status                   recent runs, the last ledger, state per entity
  reconcile [entity…]      source vs state vs target, by counts and value by value; a report a manager
                           can sign (terminal, JSON, CSV, Excel, HTML); exit 0 reconciled, 1 differences
  rejects [list]           rejected rows with key, stage and reason
  backup --to DIR [table…] every table of the source connections, raw, one file each, with manifest.json
  backup verify DIR        every backup file against its manifest; exit 0 all ok, 1 any differs

Options:
  -p, --project DIR        project folder with cutover.yaml (default: $CUTOVER_PROJECT or .)
  -q, --quiet              no log lines or progress on the terminal
  -v, --verbose            debug log lines on the terminal
      --no-progress        no progress line
      --max-heap MB        V8 heap the command may use (default 256; env CUTOVER_MAX_HEAP_MB; 0 = Node's own limit);
                           a PGlite database's memory (100-130 MB) comes on top, outside the cap
  -h, --help               this text

run, plan:  --full                      re-read every row (writes only rows whose mapped values changed)
            --detect-deletes            also find rows deleted from the source (compares every key with the id map)
plan:       --format terminal|json      (default terminal)   --out FILE
reconcile:  --format ${RECONCILE_FORMATS.join('|')}  (default terminal)
            --out FILE                  write the report there (xlsx: needed when stdout is a terminal)
            --counts-only               the quick check: counts only, no value-by-value comparison
status:     --merges                    every merge: survivor, merged record, rule and score (--entity NAME, --json)
final:      --json                      the run, the reconciliation and the verdict as JSON   --out FILE
run, plan, final, status, reconcile:
            --wait                      with a run in progress on the target, wait for it to end first
            --wait-timeout SECONDS      how long --wait waits before giving up with exit 2 (default 1800)
rejects:    --entity NAME  --format table|csv|jsonl|xlsx (default table)  --out FILE (stdout)  --force (replace FILE)
            --limit N (default 100 in the table, all in a file format)
validate:   --transforms                list the field transforms
backup:     --to DIR  --format csv|xlsx|jsonl (default csv)  --encrypt  --key-env NAME (default CUTOVER_BACKUP_KEY)
backup verify: --against                also compare row counts with the live source now   --key-env NAME  --json
demo:       --dir DIR (default .cutover-demo)  --fresh  --seed N (default 42)

Exit codes: 0 done and reconciled, 1 discrepancies found, 2 could not run (the message says why),
or, for reconcile, a run in progress left entities not compared.
`;

const OPTIONS = {
  project: { type: 'string', short: 'p' },
  quiet: { type: 'boolean', short: 'q', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  progress: { type: 'boolean', default: true },
  'no-progress': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  full: { type: 'boolean', default: false },
  'detect-deletes': { type: 'boolean', default: false },
  merges: { type: 'boolean', default: false },
  /** Accepted for compatibility: values are compared by default now. */
  content: { type: 'boolean', default: false },
  'counts-only': { type: 'boolean', default: false },
  format: { type: 'string' },
  out: { type: 'string' },
  entity: { type: 'string' },
  limit: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  transforms: { type: 'boolean', default: false },
  dir: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  seed: { type: 'string' },
  to: { type: 'string' },
  encrypt: { type: 'boolean', default: false },
  'key-env': { type: 'string' },
  against: { type: 'boolean', default: false },
  /** Read before the command starts (heap-limit.ts); accepted here so that parsing stays strict. */
  'max-heap': { type: 'string' },
  wait: { type: 'boolean', default: false },
  'wait-timeout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageFailure((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? EXIT_CODES.couldNotRun : EXIT_CODES.reconciled;
  }
  const global: GlobalOptions = {
    project: values.project,
    quiet: values.quiet,
    verbose: values.verbose,
    progress: values.progress && !values['no-progress'],
  };
  try {
    const waitMs = values.wait ? integer('wait-timeout', values['wait-timeout'], 1800, 1) * 1000 : null;
    switch (command) {
      case 'demo': {
        const flags = { dir: values.dir ?? '.cutover-demo', fresh: values.fresh, seed: integer('seed', values.seed, 42, 0) };
        return await (await import('./commands/demo-command.js')).demoCommand(global, flags);
      }
      case 'validate':
        return await (await import('./commands/validate-command.js')).validateCommand(global, { transforms: values.transforms });
      case 'run':
        return await (await import('./commands/run-command.js')).runCommand(global, rest, { full: values.full, detectDeletes: values['detect-deletes'], waitMs });
      case 'plan': {
        const flags = {
          full: values.full,
          detectDeletes: values['detect-deletes'],
          format: oneOf('format', values.format ?? (values.json ? 'json' : 'terminal'), PLAN_FORMATS) as PlanFormat,
          out: values.out,
          waitMs,
        };
        return await (await import('./commands/plan-command.js')).planCommand(global, rest, flags);
      }
      case 'final':
        return await (await import('./commands/final-command.js')).finalCommand(global, { json: values.json || values.format === 'json', out: values.out, waitMs });
      case 'status':
        return await (await import('./commands/status-command.js')).statusCommand(global, { json: values.json, merges: values.merges, entity: values.entity, waitMs });
      case 'reconcile': {
        const flags = {
          format: oneOf('format', values.format ?? (values.json ? 'json' : 'terminal'), RECONCILE_FORMATS) as ReconcileFormat,
          out: values.out,
          countsOnly: values['counts-only'],
          waitMs,
        };
        return await (await import('./commands/reconcile-command.js')).reconcileCommand(global, rest, flags);
      }
      case 'rejects': {
        const [action = 'list'] = rest;
        if (action !== 'list') throw new UsageError(`Expected \`rejects list\`, got \`rejects ${action}\``);
        const flags = {
          entity: values.entity,
          format: oneOf('format', values.format ?? 'table', REJECT_LIST_FORMATS) as RejectListFormat,
          out: values.out,
          limit: values.limit === undefined ? undefined : integer('limit', values.limit, 0, 1),
          force: values.force,
        };
        return await (await import('./commands/rejects-command.js')).rejectsListCommand(global, flags);
      }
      case 'backup': {
        if (rest[0] === 'verify') {
          if (rest.length !== 2) throw new UsageError('Expected `backup verify DIR` with one folder');
          const flags = { against: values.against, keyEnv: values['key-env'], json: values.json };
          return await (await import('./commands/backup-command.js')).backupVerifyCommand(global, rest[1]!, flags);
        }
        if (values.to === undefined) throw new UsageError('Expected `--to DIR`: the folder to write the backup into');
        const flags = {
          to: values.to,
          format: oneOf('format', values.format ?? 'csv', BACKUP_FORMATS) as BackupFormat,
          encrypt: values.encrypt,
          keyEnv: values['key-env'],
        };
        return await (await import('./commands/backup-command.js')).backupCommand(global, rest, flags);
      }
      default:
        throw new UsageError(`Unknown command \`${command}\`; run \`cutover --help\` for the list`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error.message);
    throw error;
  }
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`Expected \`--${name}\` to be an integer ≥ ${min}, got \`${text}\``);
  return value;
}

function oneOf(name: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new UsageError(`Expected \`--${name}\` to be one of ${allowed.join(', ')}, got \`${value}\``);
  return value;
}

function usageFailure(message: string): ExitCode {
  // parseArgs explains some mistakes over three lines; one is enough.
  message = message.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
  process.stderr.write(`cutover: ${message}\n  run \`cutover --help\` for usage\n`);
  return EXIT_CODES.couldNotRun;
}
