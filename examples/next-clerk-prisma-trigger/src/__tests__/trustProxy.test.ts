import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { createGalaxyFetchHandler, createMemoryStore, tokenAuth } from '@galaxyflow/server-adapter';
import { createInlineQueue } from '@galaxyflow/server-adapter/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { readServerEnv } from '../server/env';
import { addressOptions } from '../server/address';

const DATABASE_URL = 'file:./data/galaxy.db';

/** The addresses the failed sign-in limit is asked about, for spoofed X-Forwarded-For headers. */
async function keysSeen(env: Record<string, string>): Promise<string[]> {
  const keys: string[] = [];
  const store = createMemoryStore();
  const handler = createGalaxyFetchHandler({
    auth: tokenAuth({ tokens: { 'alice-token-0123456789': 'user_alice' } }),
    store,
    queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
    logger: pino({ level: 'silent' }),
    authFailureLimit: {
      check(key) {
        keys.push(key);
        return 0;
      },
      fail() {},
    },
    ...addressOptions(readServerEnv({ DATABASE_URL, ...env })),
  });
  for (let i = 0; i < 3; i++) {
    await handler(
      new Request('http://h/api/workflows', {
        headers: { authorization: `Bearer guess-${i}`, 'x-forwarded-for': `203.0.113.${i}` },
      }),
    );
  }
  return keys;
}

describe('GALAXY_TRUST_PROXY', () => {
  it('is off by default, so a client cannot choose its address with X-Forwarded-For', async () => {
    expect(readServerEnv({ DATABASE_URL }).GALAXY_TRUST_PROXY).toBe(false);
    expect(await keysSeen({})).toEqual([]);
  });

  it('when on, takes the last X-Forwarded-For entry (the one the proxy appended)', async () => {
    expect(readServerEnv({ DATABASE_URL, GALAXY_TRUST_PROXY: 'true' }).GALAXY_TRUST_PROXY).toBe(
      true,
    );
    expect(readServerEnv({ DATABASE_URL, GALAXY_TRUST_PROXY: '0' }).GALAXY_TRUST_PROXY).toBe(false);
    expect(await keysSeen({ GALAXY_TRUST_PROXY: '1' })).toEqual([
      '203.0.113.0',
      '203.0.113.1',
      '203.0.113.2',
    ]);
  });

  it('refuses a value it cannot read, naming the variable', () => {
    expect(() => readServerEnv({ DATABASE_URL, GALAXY_TRUST_PROXY: 'yes' })).toThrow(
      /GALAXY_TRUST_PROXY must be true or false/,
    );
  });
});
