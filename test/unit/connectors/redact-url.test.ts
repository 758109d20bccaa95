import { describe, expect, it } from 'vitest';
import { ConnectionUrlError, parseConnectionUrl, redactUrl } from '../../../connectors/connection-url.js';

/** One raw password per character a URL reserves, and one with all of them. */
const RAW_PASSWORDS = ['Rel9/Sec', 'Rel9@Sec', 'Rel9#Sec', 'Rel9?Sec', 'Rel9:Sec', 'Rel9%Sec', 'Rel9 Sec', 'Rel9/Sec@Pw2#x?y:z%w v'] as const;

/** The password's pieces that must not survive: the text on either side of each reserved character. */
function pieces(password: string): string[] {
  return password.split(/[/@#?:% ]/).filter((piece) => piece.length >= 2);
}

function expectHidden(text: string, password: string): void {
  for (const piece of [password, encodeURIComponent(password), ...pieces(password)]) expect(text, `${piece} in ${text}`).not.toContain(piece);
}

describe('redactUrl', () => {
  it.each(RAW_PASSWORDS)('hides the raw password %j whole, in prose, in backticks and in JSON', (password) => {
    const url = `mysql://migrator:${password}@127.0.0.1:3306/legacy_crm`;
    for (const text of [url, `connect ${url} failed`, `got \`${url}\``, JSON.stringify({ url, note: 'a@b.example' }), `first line\n${url}\nlast line`]) {
      const redacted = redactUrl(text);
      expectHidden(redacted, password);
      expect(redacted).toContain('mysql://migrator:***@');
    }
    expect(redactUrl(`connect ${url} failed`)).toBe('connect mysql://migrator:***@127.0.0.1:3306/legacy_crm failed');
  });

  it('hides a percent-encoded password', () => {
    const encoded = encodeURIComponent('Rel9/Sec@Pw2#x?y:z%w v');
    expect(redactUrl(`x postgres://app:${encoded}@127.0.0.1/db y`)).toBe('x postgres://app:***@127.0.0.1/db y');
  });

  it('keeps two URLs of one line apart, so an example after a URL does not swallow its host', () => {
    expect(redactUrl('Expected a host in mysql://u:p/w@/db, e.g. mysql://user@127.0.0.1:3306/legacy_crm')).toBe('Expected a host in mysql://u:***@/db, e.g. mysql://user@127.0.0.1:3306/legacy_crm');
    expect(redactUrl('from mysql://a:p1@h1/x to postgres://b:p2@h2/y')).toBe('from mysql://a:***@h1/x to postgres://b:***@h2/y');
    // `x://` inside a password does not start a URL.
    expect(redactUrl('mysql://u:pa://ss@h/db')).toBe('mysql://u:***@h/db');
  });

  it('hides what follows `host:` when it is not a port and no `@` follows: a URL cut inside its password', () => {
    expect(redactUrl("got 'mysql://user:Rel9/Sec...'")).toBe("got 'mysql://user:***");
    expect(redactUrl('mysql://127.0.0.1:3306/db and http://localhost:8080.')).toBe('mysql://127.0.0.1:3306/db and http://localhost:8080.');
    expect(redactUrl('file://C:/export and pglite://./a:b')).toBe('file://C:/export and pglite://./a:b');
  });

  it('keeps a message that names an endpoint before `: `, with or without a port', () => {
    const message = 'POST /crm/v8/customers/upsert failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:40403)';
    expect(redactUrl(`run 1 stopped: http://127.0.0.1:40403: ${message}`)).toBe(`run 1 stopped: http://127.0.0.1:40403: ${message}`);
    expect(redactUrl('https://api.example.com: POST /x timed out after 500 ms')).toBe('https://api.example.com: POST /x timed out after 500 ms');
    expect(redactUrl("got 'mysql://user:Rel9: Sec'")).toBe("got 'mysql://user:***");
  });

  it('hides a user name that is not plain together with the password', () => {
    expect(redactUrl('mysql://us/er:pw@h/db')).toBe('mysql://***:***@h/db');
  });

  it('leaves text without a URL password alone', () => {
    expect(redactUrl('no url here: a:b@c')).toBe('no url here: a:b@c');
    expect(redactUrl('mysql://root@host/db failed for a@b.example')).toBe('mysql://root@host/db failed for a@b.example');
    // Already redacted: an `@` later in the line is prose, not the end of a password.
    expect(redactUrl('in mysql://u:***@h/db: duplicate a@b.example')).toBe('in mysql://u:***@h/db: duplicate a@b.example');
    expect(redactUrl('mysql://u:***@Pw2@h/db')).toBe('mysql://u:***@h/db');
  });
});

describe('parseConnectionUrl with passwords that hold reserved characters', () => {
  it.each(['/', '@', '#', '?', ':', '%', ' '])('takes a percent-encoded %j as part of the password', (character) => {
    const password = `Rel9${character}Sec${character}`;
    const url = parseConnectionUrl(`mysql://migrator:${encodeURIComponent(password)}@127.0.0.1:3306/legacy_crm?pool_size=2`);
    expect(url).toMatchObject({ host: '127.0.0.1', port: 3306, username: 'migrator', path: 'legacy_crm', params: { pool_size: '2' } });
    expect(url.password).toBe(password);
    expect(url.redacted).toBe('mysql://migrator:***@127.0.0.1:3306/legacy_crm?pool_size=2');
  });

  it.each([
    ['Rel9/Sec@Pw2#x', ['`/` as `%2F`', '`#` as `%23`', '`@` as `%40`']],
    ['1234#x', ['`#` as `%23`']],
    ['1234/x', ['`/` as `%2F`']],
    ['ab?cd', ['`?` as `%3F`']],
    ['50%off', ['`%` as `%25`']],
    ['a b/c:d', ['`/` as `%2F`', '`:` as `%3A`', '`space` as `%20`']],
  ])('refuses the raw password %j, says which characters to encode, and never shows it', (password, advice) => {
    const text = `mysql://migrator:${password}@127.0.0.1:3306/legacy_crm`;
    let error: unknown;
    try {
      parseConnectionUrl(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectionUrlError);
    const message = (error as Error).message;
    expect(message).toContain('`mysql://migrator:***@127.0.0.1:3306/legacy_crm`');
    for (const line of advice) expect(message).toContain(line);
    expectHidden(message, password);
  });

  it('takes a raw `@`, `:` or space in a password as written, the way URL parsers do', () => {
    expect(parseConnectionUrl('mysql://migrator:a@b:c d@127.0.0.1:3306/db').password).toBe('a@b:c d');
  });

  it('never shows a password in the message for text that is not a URL', () => {
    for (const text of ['migrator:Rel9Sec@127.0.0.1/db', 'mysql://migrator:Rel9Sec', 'mysql://migrator:Rel9Sec@[bad']) {
      expect(() => parseConnectionUrl(text)).toThrow(ConnectionUrlError);
      expect(() => parseConnectionUrl(text)).not.toThrow(/Rel9Sec/);
    }
  });

  it('keeps a password written into a file-like URL out of its printable forms', () => {
    const url = parseConnectionUrl('pglite://migrator:Rel9Sec@db');
    expect(url.redacted).not.toContain('Rel9Sec');
    expect(JSON.stringify(url)).not.toContain('Rel9Sec');
  });
});
