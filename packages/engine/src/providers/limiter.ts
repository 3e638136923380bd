import { CanceledError, GalaxyError } from '../errors';

/** Caps how many calls run at once; later callers wait their turn, first come first served. */
export interface ConcurrencyLimiter {
  /** Waits for a slot and returns its release function (idempotent). Rejects with `CanceledError` if `signal` fires first. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting for a slot. */
  readonly waiting: number;
}

/** Makes a FIFO limiter with `limit` slots (`Infinity` for none). */
export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (!(limit >= 1)) {
    throw new GalaxyError(
      'E_INVALID_OPTION',
      `A concurrency limit must be at least 1 (or Infinity), got ${limit}.`,
      {
        details: { limit: String(limit) },
      },
    );
  }
  let active = 0;
  const queue: { grant: () => void }[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active--;
      const next = queue.shift();
      if (next) next.grant();
    };
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new CanceledError());
      if (active < limit) {
        active++;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            active++;
            resolve(releaser());
          },
        };
        const onAbort = () => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(new CanceledError());
        };
        queue.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
