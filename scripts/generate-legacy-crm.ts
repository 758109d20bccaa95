#!/usr/bin/env node
/**
 * `generate-legacy-crm`: writes the legacy CRM's export (customers.csv, opportunities.xlsx,
 * tickets.jsonl) and ground-truth.json for a seed. Argument parsing only; the work is in
 * scripts/legacy-crm/.
 *
 * @example node dist/scripts/generate-legacy-crm.js --out ./legacy-export --seed 7 --customers 500
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT_CODES, type ExitCode } from '../pipelines/errors.js';
import type { LegacyCrmOptions } from './legacy-crm/legacy-crm-options.js';
import { GENERATOR_USAGE, parseGeneratorCommand, type Output } from './legacy-crm/generator-args.js';
import { writeLegacyExport } from './legacy-crm/write-export.js';

const USAGE = `generate-legacy-crm: write a deterministic legacy-CRM export and its ground truth.

Usage: node dist/scripts/generate-legacy-crm.js --out DIR [options]

Writes customers.csv (UTF-8 with BOM), opportunities.xlsx, tickets.jsonl and ground-truth.json.

Options:
  --out DIR              folder to write into; created if missing, files in it are replaced
${GENERATOR_USAGE}
  -h, --help             this text

Exit codes: 0 written, 2 could not write (the message says why).
`;

/** Runs the command; returns the exit code instead of exiting, so that tests can call it. */
export async function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<ExitCode> {
  let outDir: string;
  let options: Partial<LegacyCrmOptions>;
  try {
    const command = parseGeneratorCommand(argv, { name: 'out', missing: 'Expected `--out` to name a folder, got nothing' });
    if (command.help) {
      out.write(USAGE);
      return EXIT_CODES.reconciled;
    }
    ({ required: outDir, options } = command);
  } catch (error) {
    err.write(`${(error as Error).message}\nRun with --help for the options.\n`);
    return EXIT_CODES.couldNotRun;
  }

  const started = performance.now();
  try {
    const written = await writeLegacyExport(outDir, options);
    const { counts } = written;
    const { customers } = written.groundTruth;
    const copies = customers.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out.write(
      `Wrote ${path.relative(process.cwd(), written.dir) || '.'}: customers.csv ${counts.customers.toLocaleString('en-US')} rows, ` +
        `opportunities.xlsx ${counts.opportunities.toLocaleString('en-US')}, tickets.jsonl ${counts.tickets.toLocaleString('en-US')}, ` +
        `ground-truth.json (${copies} duplicate copies in ${customers.duplicateClusters.length} clusters) in ${seconds} s\n`,
    );
    return EXIT_CODES.reconciled;
  } catch (error) {
    err.write(`Could not write the legacy CRM export to ${outDir}: ${(error as Error).message}\nFiles already written there may be incomplete; run the command again.\n`);
    return EXIT_CODES.couldNotRun;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
