/** Checks on a project written by `cutover init`: it validates, runs and reconciles through the built CLI. */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runCli } from './cli.js';

interface ReconcileJson {
  readonly entities: readonly { readonly entity: string; readonly source: number; readonly loaded: number; readonly unaccounted: number }[];
}

/** validate, run and reconcile exit 0, nothing unaccounted; returns the reconciliation per entity. */
export async function expectProjectRuns(dir: string, env: Record<string, string> = {}): Promise<ReconcileJson['entities']> {
  const validate = await runCli(['validate', '-p', dir], { env });
  expect(validate.stderr).toBe('');
  expect(validate.code).toBe(0);
  const run = await runCli(['run', '-p', dir, '--quiet'], { env });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const reconcile = await runCli(['reconcile', '-p', dir, '--format', 'json', '--quiet'], { env });
  expect(reconcile.stderr).toBe('');
  expect(reconcile.code).toBe(0);
  const report = JSON.parse(reconcile.stdout) as ReconcileJson;
  expect(report.entities.filter((e) => e.unaccounted !== 0)).toEqual([]);
  return report.entities;
}

/** The `$schema` reference on a generated file's first line, resolved as an editor resolves it. */
export async function schemaReferenceOf(file: string): Promise<string> {
  const first = (await readFile(file, 'utf8')).split('\n')[0]!;
  const reference = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)?.[1];
  expect(reference, `${file} starts with a $schema line`).toBeDefined();
  const resolved = reference!.startsWith('file://') ? fileURLToPath(reference!) : path.resolve(path.dirname(file), reference!);
  expect(existsSync(resolved), `${reference} resolves from ${file}`).toBe(true);
  return resolved;
}
