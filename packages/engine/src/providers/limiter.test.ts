import { describe, expect, it } from 'vitest';
import { CanceledError } from '../errors';
import { createConcurrencyLimiter } from './limiter';

describe('createConcurrencyLimiter', () => {
  it('refuses a limit below one with a code the host can act on', () => {
    for (const limit of [0, -1, Number.NaN]) {
      expect(() => createConcurrencyLimiter(limit)).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION' }));
    }
    expect(createConcurrencyLimiter(Number.POSITIVE_INFINITY).active).toBe(0);
  });

  it('grants slots first come, first served, and a release lets the next one in', async () => {
    const limiter = createConcurrencyLimiter(2);
    const order: number[] = [];
    const a = await limiter.acquire();
    await limiter.acquire();
    const third = limiter.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const fourth = limiter.acquire().then(() => order.push(4));
    expect(limiter.waiting).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    (await third)();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(limiter.active).toBe(2);
  });

  it('drops a waiter whose signal fires, without taking a slot', async () => {
    const limiter = createConcurrencyLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CanceledError);
    expect(limiter.waiting).toBe(0);
    release();
    expect(limiter.active).toBe(0);
  });
});
