import { builtinNodes, createRegistry, type RunEvent } from '@galaxyflow/engine';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';

describe('HTTP Request node in the browser', () => {
  it('fails with E_HTTP_UNAVAILABLE in the memory client, which has no guarded HTTP client, and calls nothing', async () => {
    const client = createMemoryClient({ registry: createRegistry(builtinNodes) });
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      fetched.push(String(input));
      throw new Error('no network in this test');
    }) as typeof fetch;
    try {
      const { runId } = await client.execute({
        nodes: [
          {
            id: 'call',
            type: 'http',
            position: { x: 0, y: 0 },
            data: { url: 'https://api.example.com/items' },
          },
        ],
        edges: [],
      });
      const events = await new Promise<RunEvent[]>((resolve) => {
        const seen: RunEvent[] = [];
        client.subscribe(runId, (event) => {
          seen.push(event);
          if (event.type === 'run:finish') resolve(seen);
        });
      });
      const finish = events.find((event) => event.type === 'node:finish');
      expect(finish?.type === 'node:finish' && finish.result).toMatchObject({
        status: 'FAILED',
        error: {
          code: 'E_HTTP_UNAVAILABLE',
          message: expect.stringContaining('run on the server only'),
        },
      });
      expect(fetched).toEqual([]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
