/**
 * The README's first command, as a newcomer runs it: `cutover demo` on the bundled legacy CRM
 * sample into an embedded PGlite database, no server needed. Checked against the generator's
 * ground truth through the CLI's own reports.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../scripts/legacy-crm/ground-truth.js';
import { canSampleProcesses, type ProcessPeak } from '../../scripts/process-peak.js';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli, runCliMeasured, type CliResult } from '../support/cli.js';

const ENTITIES = ['customers', 'opportunities', 'tickets'] as const;
/**
 * MB resident the demo's process may reach: the README's 256 MB. It peaks at 220-232 MB (the
 * bench, BENCHMARKS.md), PGlite's WebAssembly memory included; creating the folder, apart, needs more.
 */
const DEMO_RSS_BUDGET_MB = 256;

describe('cutover demo', () => {
  let dir: string;
  let first: CliResult & { readonly peak: ProcessPeak };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-demo-'));
    first = await runCliMeasured(['demo', '--dir', dir, '--quiet']);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates the sample, prints the equation with unaccounted = 0 for every entity and exits 0', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('source = loaded + merged + filtered + rejected');
    for (const entity of ENTITIES) expect(first.stdout).toMatch(new RegExp(`^${entity}\\s.*\\s0\\s+[\\d,]+ / [\\d,]+\\s+ok$`, 'm'));
    expect(first.stdout).toContain('Reconciled: every source row is loaded, merged, filtered or rejected with a reason (unaccounted = 0).');
  });

  it.runIf(canSampleProcesses())(`stays under ${DEMO_RSS_BUDGET_MB} MB resident, the PGlite folder created by a process of its own`, () => {
    expect(first.code).toBe(0);
    expect(first.peak.mainMb).toBeGreaterThan(0);
    expect(first.peak.mainMb).toBeLessThanOrEqual(DEMO_RSS_BUDGET_MB);
    // The creation ran (and gave its memory back) in a child: without one there is nothing here.
    expect(first.peak.childrenMb).toBeGreaterThan(0);
  });

  it("runs the README's quick start on the project the demo leaves: every command exits 0", async () => {
    const readme = await readFile(packagePath('README.md'), 'utf8');
    const block = /^## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/m.exec(readme)?.[1];
    const lines = (block ?? '').split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const out = await mkdtemp(path.join(tmpdir(), 'cutover-quick-start-'));
    try {
      for (const line of lines) {
        expect(line).toMatch(/^npx cutover /);
        // The README's folder is the demo's default; here the test's own. Word splitting as a shell's, no quotes in these lines.
        const args = line.replace(/^npx cutover /, '').split(/\s+/).map((word) => (word === '.cutover-demo' ? dir : word));
        const result = await runCli(args, { cwd: out });
        expect(result.code, `${line}\n${result.stderr}`).toBe(0);
        expect(result.stderr, line).not.toMatch(/^\s+at /m);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('rejects exactly the ground truth, each with key, stage and reason', async () => {
    const truth = JSON.parse(await readFile(path.join(dir, 'legacy-export', 'ground-truth.json'), 'utf8')) as GroundTruth;
    const expected = {
      customers: [...truth.customers.invalidEmail, ...truth.customers.unmappableStatus],
      opportunities: [...truth.opportunities.unmappableStage, ...truth.opportunities.orphans],
      tickets: [...truth.tickets.unmappableStatus, ...truth.tickets.orphans],
    };
    const out = path.join(dir, 'rejects.jsonl');
    const listed = await runCli(['rejects', 'list', '-p', dir, '--format', 'jsonl', '--limit', '1000000', '--out', out]);
    expect(listed.code).toBe(0);
    const rejects = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { entity: string; key: string; stage: string; reason: string; origin: string });
    for (const entity of ENTITIES) {
      const keys = rejects.filter((r) => r.entity === entity).map((r) => Number(r.key)).sort((a, b) => a - b);
      expect({ entity, keys }).toEqual({ entity, keys: [...expected[entity]].sort((a, b) => a - b) });
    }
    expect(rejects.filter((r) => !r.stage || !r.reason || !r.origin)).toEqual([]);
  });

  it('inserts nothing when run again and reports every loaded row unchanged', async () => {
    const again = await runCli(['demo', '--dir', dir, '--quiet']);
    expect(again.code).toBe(0);
    for (const entity of ENTITIES) {
      const ledger = again.stdout.split('\n').find((line) => line.startsWith(`${entity} `));
      // entity, read, inserted, updated, unchanged, …
      const [, read, inserted, updated, unchanged] = ledger!.trim().split(/\s+/);
      expect({ entity, inserted, updated }).toEqual({ entity, inserted: '0', updated: '0' });
      expect(Number(unchanged!.replaceAll(',', ''))).toBeGreaterThan(Number(read!.replaceAll(',', '')) * 0.8);
    }
  });
});
