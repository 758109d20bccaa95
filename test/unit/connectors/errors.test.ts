import { describe, expect, it } from 'vitest';
import { classifyDriverError, FatalError, TransientError } from '../../../connectors/errors.js';
import { withRetry } from '../../../connectors/retry.js';

describe('classifyDriverError', () => {
  it('explains a wrong password as fatal and names the endpoint', () => {
    const error = classifyDriverError(Object.assign(new Error('password authentication failed for user "root"'), { code: '28P01' }), 'PostgreSQL 127.0.0.1:5432/crm');
    expect(error).toBeInstanceOf(FatalError);
    expect(error.message).toBe('PostgreSQL 127.0.0.1:5432/crm: password authentication failed: check the user name and password (28P01; password authentication failed for user "root")');
  });

  it('treats lost connections and deadlocks as transient', () => {
    for (const code of ['ECONNRESET', 'PROTOCOL_CONNECTION_LOST', '57P01', '40P01', '08006', 'ER_LOCK_DEADLOCK']) {
      expect(classifyDriverError(Object.assign(new Error('x'), { code }), 'db')).toBeInstanceOf(TransientError);
    }
    expect(classifyDriverError(new Error('Connection terminated unexpectedly'), 'db')).toBeInstanceOf(TransientError);
    expect(classifyDriverError(new Error('Client has encountered a connection error and is not queryable'), 'db')).toBeInstanceOf(TransientError);
  });

  it('scrubs passwords that drivers echo back', () => {
    const error = classifyDriverError(new Error('cannot reach mysql://root:topsecret@db:3306/x (password=topsecret)'), 'MySQL db:3306/x');
    expect(error.message).not.toContain('topsecret');
  });
});

describe('withRetry', () => {
  it('retries transient errors, honours Retry-After, then gives up with the count', async () => {
    let attempts = 0;
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          attempts++;
          throw new TransientError('503 from api', { retryAfterMs: 5 });
        },
        { policy: { retries: 3, baseDelayMs: 1, maxDelayMs: 10 }, onRetry: (event) => delays.push(event.delayMs) },
      ),
    ).rejects.toThrow(/^503 from api: gave up after 4 attempts over \d+\.\d s$/);
    expect(attempts).toBe(4);
    expect(delays).toEqual([5, 5, 5]);
  });

  it('does not retry fatal errors', async () => {
    let attempts = 0;
    await expect(
      withRetry(async () => {
        attempts++;
        throw new FatalError('no such table');
      }),
    ).rejects.toThrow('no such table');
    expect(attempts).toBe(1);
  });
});

describe('classifyDriverError with passwords that hold reserved characters', () => {
  it.each(['Rel9/Sec', 'Rel9@Sec', 'Rel9#Sec', 'Rel9?Sec', 'Rel9:Sec', 'Rel9%Sec', 'Rel9 Sec x'])('scrubs %j from a URL and from key=value text', (password) => {
    const error = classifyDriverError(new Error(`cannot reach mysql://root:${password}@db:3306/x (host=db password=${password} port=3306)`), 'MySQL db:3306/x');
    expect(error.message).not.toContain('Rel9');
    expect(error.message).toContain('port=3306');
  });
});
