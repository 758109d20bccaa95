import { describe, expect, it } from 'vitest';
import { ConnectionUrlError, parseConnectionUrl, redactUrl } from '../../../connectors/connection-url.js';

describe('parseConnectionUrl', () => {
  it('parses a MySQL URL and keeps the password out of every printable form', () => {
    const url = parseConnectionUrl('mysql://migrator:s3cr%40t@db.internal:3307/legacy_crm?pool_size=2');
    expect(url).toMatchObject({ scheme: 'mysql', host: 'db.internal', port: 3307, username: 'migrator', path: 'legacy_crm', params: { pool_size: '2' } });
    expect(url.password).toBe('s3cr@t');
    expect(url.redacted).toBe('mysql://migrator:***@db.internal:3307/legacy_crm?pool_size=2');
    expect(String(url)).not.toContain('s3cr');
    expect(JSON.stringify({ url })).not.toContain('s3cr');
    expect(Object.keys(url)).not.toContain('password');
  });

  it('keeps file-like URLs as paths, relative ones included', () => {
    expect(parseConnectionUrl('file://./legacy-export').path).toBe('./legacy-export');
    expect(parseConnectionUrl('file:///abs/customers.csv?delimiter=%3B').params).toEqual({ delimiter: ';' });
    expect(parseConnectionUrl('pglite://memory').path).toBe('memory');
  });

  it('rejects text that is not a URL without echoing a password', () => {
    expect(() => parseConnectionUrl('legacy_crm')).toThrow(ConnectionUrlError);
    expect(() => parseConnectionUrl('mysql://u:pw@[bad')).toThrow(/mysql:\/\/u:\*\*\*@/);
  });
});

describe('redactUrl', () => {
  it('hides passwords inside free text and leaves other text alone', () => {
    expect(redactUrl('connect postgres://root:hunter2@10.0.0.1:5432/crm failed')).toBe('connect postgres://root:***@10.0.0.1:5432/crm failed');
    expect(redactUrl('no url here: a:b@c')).toBe('no url here: a:b@c');
    expect(redactUrl('mysql://root@host/db')).toBe('mysql://root@host/db');
  });
});
