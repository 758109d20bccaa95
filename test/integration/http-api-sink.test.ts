/**
 * The HTTP API sink behind the one Sink interface, against the fake CRM on loopback: a writer's
 * calls carry the write's signal and idempotency scope; archive and re-point are updates by
 * external id; deletes and counts go to their endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { httpApiConnector } from '../../connectors/http-api/http-connector.js';
import type { HttpApiSink } from '../../connectors/http-api/http-sink.js';
import type { RowOutcome, Sink } from '../../connectors/sink.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';

const ACCOUNTS = { table: 'Accounts', key: 'legacy_id', id: 'id' };
const CONTACTS = { table: 'Contacts', key: 'legacy_id', id: 'id' };

describe('HTTP API sink', () => {
  let api: FakeCrmApi;
  let sink: HttpApiSink;

  beforeAll(async () => {
    api = await FakeCrmApi.start({ ids: 'uuid', modules: { Accounts: { maxLength: { name: 10 } } } });
    const settings = {
      upsert: { path: '/crm/v8/{module}/upsert', records_per_call: 2, body: { duplicate_check_fields: ['{key}'] } },
      delete: { path: '/crm/v8/{module}/{id}' },
      count: { path: '/crm/v8/{module}/actions/count' },
      limits: { retries: 0 },
    };
    sink = await httpApiConnector.createSink!(httpApiConnector.parseConfig(parseConnectionUrl(api.url), { baseDir: '.', settings }));
  });
  afterAll(async () => {
    await sink?.close();
    await sink?.close(); // idempotent
    await api?.close();
  });

  it('declares a target that keeps no state and cannot compare values', () => {
    expect(sink.capabilities).toMatchObject({ transactional: false, state: 'beside', deletes: true, counts: true, contentChecks: false, migrations: false });
    expect((sink as Sink).stateDatabase).toBeUndefined();
  });

  it('upserts in calls of records_per_call, one outcome per record in input order, refusals with the answer', async () => {
    const outcomes = await sink.write((writer) =>
      writer.upsert(ACCOUNTS, [
        { legacy_id: 'a1', name: 'Ann' },
        { legacy_id: 'a2', name: 'far too long' },
        { legacy_id: 'a3', name: 'Cy' },
      ]),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/^the target refused the row: the API answered .*maximum_length/) });
    expect(await sink.countRows(ACCOUNTS)).toBe(2);
  });

  it('scopes idempotency keys by the write: the same request within a scope is answered once, in another scope again', async () => {
    const send = (scope: string) => sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: 'a1', name: 'Ann' }]), { idempotencyScope: scope });
    const before = api.stats.replayed;
    await send('run 1');
    await send('run 1');
    expect(api.stats.replayed).toBe(before + 1);
    await send('run 2');
    expect(api.stats.replayed).toBe(before + 1);
  });

  it('passes the signal of the write to every call', async () => {
    const aborted = AbortSignal.abort(new Error('stopped by the test'));
    await expect(sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: 'a9', name: 'Nine' }]), { signal: aborted })).rejects.toThrow('stopped by the test');
    expect(api.records('Accounts').some((record) => record.legacy_id === 'a9')).toBe(false);
  });

  it('archives and re-points by external id, and deletes by the API id (a record already gone counts as deleted)', async () => {
    const [account] = await sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: 'a3', name: 'Cy' }]));
    const contacts = await sink.write((writer) => writer.upsert(CONTACTS, [{ legacy_id: 'c1', account: null }, { legacy_id: 'c2', account: null }]));
    const at = new Date('2024-05-01T10:00:00.123Z');
    expect(await sink.write((writer) => writer.archive(CONTACTS, 'archived_at', [{ legacyKey: 'c1', targetId: idOf(contacts[0]!) }], at))).toBe(1);
    expect(await sink.write((writer) => writer.repoint({ ...CONTACTS, field: 'account' }, ['c1', 'c2'], idOf(account!)))).toBe(2);
    const stored = Object.fromEntries(api.records('Contacts').map((record) => [record.legacy_id, record]));
    expect(stored.c1).toMatchObject({ archived_at: at.toISOString(), account: idOf(account!) });
    expect(stored.c2).toMatchObject({ account: idOf(account!) });
    expect(stored.c2).not.toHaveProperty('archived_at');

    const ids = contacts.map(idOf);
    expect(await sink.write((writer) => writer.delete(CONTACTS, ids))).toEqual(ids.map((id) => ({ id, ok: true })));
    expect(await sink.write((writer) => writer.delete(CONTACTS, ids))).toEqual(ids.map((id) => ({ id, ok: true })));
    expect(await sink.countRows(CONTACTS)).toBe(0);
  });

  it('stops a re-point the API refuses, naming the record', async () => {
    const [account] = await sink.write((writer) => writer.upsert(ACCOUNTS, [{ legacy_id: 'a4', name: 'Dee' }]));
    await expect(sink.write((writer) => writer.repoint({ ...ACCOUNTS, field: 'name' }, ['a4'], 'a name far too long'))).rejects.toThrow(
      /the API refused to re-point Accounts record a4 to a name far too long: the target refused the row: the API answered/,
    );
    expect(idOf(account!)).toBeTruthy();
  });
});

function idOf(outcome: RowOutcome): string {
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  return outcome.id;
}
