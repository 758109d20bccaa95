/**
 * The example mapping's dedupe rules against the generator's ground truth, without a database:
 * customers mapped by the project's own mapping engine, matched by the runner's dedupe stage over
 * an in-memory state, batch after batch as a run would.
 */
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../pipelines/config/load-project.js';
import { packagePath } from '../../../pipelines/package-root.js';
import { dedupeStage } from '../../../pipelines/runner/stages/dedupe-stage.js';
import { generateLegacyCrm } from '../../../scripts/legacy-crm/generate.js';
import { pairMetrics, pairsOfClusters } from '../../../transforms/dedupe/pair-metrics.js';
import { compileMapping, type MappedRow } from '../../../transforms/mapping-engine.js';
import { MemoryDedupeStore } from '../../support/memory-dedupe-store.js';

const CUSTOMERS = 1500;
const BATCH = 400;

async function measure(seed: number, duplicateRate: number) {
  const project = await loadProject(packagePath('mappings', 'example'), { env: {} });
  const mapping = project.entities.find((entity) => entity.entity === 'customers')!;
  const plan = mapping.dedupe!;
  const compiled = compileMapping(mapping);
  const crm = generateLegacyCrm({ seed, customers: CUSTOMERS, duplicateRate });

  const mapped: MappedRow[] = [];
  for (const customer of crm.customers) {
    const row = { key: String(customer.id), data: { ...customer }, origin: `customers id=${customer.id}` };
    if (compiled.isSoftDeleted(row) || compiled.filterReason(row) !== null) continue;
    const result = compiled.map(row);
    if (!('stage' in result)) mapped.push(result);
  }
  const store = new MemoryDedupeStore();
  for (let start = 0; start < mapped.length; start += BATCH) {
    const { delta } = await dedupeStage(plan, 'customers', mapping.target.key, mapped.slice(start, start + BATCH), store);
    store.apply(delta);
  }
  const truth = pairsOfClusters(crm.lineage.duplicateClusters);
  const lookalikes = pairsOfClusters(crm.lineage.lookalikePairs);
  const predicted = pairsOfClusters(store.clusters());
  return { metrics: pairMetrics(predicted, truth), mapped: mapped.length, truth, lookalikes, predicted, compared: store.candidatesServed };
}

describe('dedupe rules of the example mapping on a generated CRM', () => {
  it.each([
    [42, 0.07],
    [7, 0.15],
  ])('seed %i, duplicate rate %f: precision ≥ 0.98 and recall ≥ 0.95, look-alikes kept apart', async (seed, duplicateRate) => {
    const { metrics, mapped, truth, lookalikes, predicted, compared } = await measure(seed, duplicateRate);
    expect(truth.size).toBeGreaterThan(CUSTOMERS * duplicateRate * 0.5);
    expect(lookalikes.size).toBeGreaterThan(0);
    expect(metrics.precision, JSON.stringify(metrics)).toBeGreaterThanOrEqual(0.98);
    expect(metrics.recall, JSON.stringify(metrics)).toBeGreaterThanOrEqual(0.95);
    expect([...lookalikes].filter((pair) => predicted.has(pair))).toEqual([]);
    // Blocking: each record meets a handful of candidates, not every other record.
    expect(compared).toBeLessThan((mapped * (mapped - 1)) / 2 / 100);
  }, 60_000);
});
