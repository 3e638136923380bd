import { randomUUID } from 'node:crypto';
import type { CircuitChange, CircuitSync } from '@galaxyflow/engine';
import {
  connected,
  connectionLost,
  openRedisLink,
  type RedisConnectionOptions,
  redisCall,
} from './connection';

export type RedisCircuitSyncOptions = RedisConnectionOptions;

/** The Redis circuit sync, with what health checks, tests and shutdown need. */
export interface RedisCircuitSync extends CircuitSync {
  /** Resolves once this process hears the changes other processes publish, and can publish its own. */
  ready(): Promise<void>;
  /** Throws `E_REDIS_UNAVAILABLE` while Redis does not answer, for `GET /ready`. */
  checkReady(): Promise<void>;
  /** Stops listening and closes the connections it opened (never the host's `client`). */
  close(): Promise<void>;
}

type Listener = (name: string, change: CircuitChange) => void;

interface Message {
  name: string;
  change: CircuitChange;
}

function isChange(value: unknown): value is CircuitChange {
  const change = value as CircuitChange | null;
  if (change?.state === 'closed') return true;
  return change?.state === 'open' && Number.isFinite(change.retryAfterMs);
}

/**
 * Shares the engine's provider circuit breakers between processes over Redis: pass it to
 * `createProviderSet({ circuitSync })` in every API and worker process. A breaker that opens
 * in one process is published and opens in the others for the rest of its cool-down; a key
 * per open breaker (expiring with the cool-down) tells a process that starts meanwhile. While
 * Redis is down each process keeps its own breakers, as without a sync; when Redis returns it
 * resubscribes and takes on the breakers open then.
 */
export function createRedisCircuitSync(options: RedisCircuitSyncOptions): RedisCircuitSync {
  const link = openRedisLink(options, 'createRedisCircuitSync');
  const origin = randomUUID();
  const marker = `${origin}|`;
  const channel = `${link.prefix}circuits`;
  const keyOf = (name: string) => `${link.prefix}circuit:${encodeURIComponent(name)}`;
  const subscriptions = new Map<Listener, readonly string[]>();
  const waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let subscribed = false;
  let closed = false;

  function tell(name: string, change: CircuitChange): void {
    for (const [listener, names] of [...subscriptions]) {
      if (!names.includes(name)) continue;
      try {
        listener(name, change);
      } catch (error) {
        link.onError(error);
      }
    }
  }

  /** Tells the listeners about the breakers open right now: for newcomers and after an outage. */
  async function replayOpen(names: readonly string[], only?: Listener): Promise<void> {
    if (names.length === 0 || connectionLost(link.command)) return;
    let left: number[];
    try {
      const pipeline = link.command.pipeline();
      for (const name of names) pipeline.pttl(keyOf(name));
      const replies = await redisCall(
        link.command,
        'reading open circuits',
        link.commandTimeoutMs,
        () => pipeline.exec(),
      );
      left = (replies ?? []).map(([error, value]) => (error ? -1 : Number(value)));
    } catch (error) {
      link.onError(error);
      return;
    }
    names.forEach((name, i) => {
      const retryAfterMs = left[i] ?? -1;
      if (retryAfterMs <= 0) return;
      const change: CircuitChange = { state: 'open', retryAfterMs };
      if (only) {
        if (subscriptions.has(only)) only(name, change);
      } else {
        tell(name, change);
      }
    });
  }

  const subscriber = link.subscriber();
  subscriber.on('ready', () => {
    if (closed) return;
    subscriber.subscribe(channel).then(
      () => {
        subscribed = true;
        for (const waiter of waiters.splice(0)) waiter.resolve();
        // What opened before the subscription was active (at the start, or during an outage)
        // was not heard: read it.
        void replayOpen([...new Set([...subscriptions.values()].flat())]);
      },
      (error: unknown) => link.onError(error),
    );
  });
  subscriber.on('close', () => {
    subscribed = false;
  });
  subscriber.on('message', (_channel: string, message: string) => {
    if (message.startsWith(marker)) return;
    let parsed: Message;
    try {
      parsed = JSON.parse(message.slice(message.indexOf('|') + 1)) as Message;
    } catch (error) {
      link.onError(error);
      return;
    }
    if (typeof parsed?.name === 'string' && isChange(parsed.change)) {
      tell(parsed.name, parsed.change);
    }
  });

  return {
    publish(name, change) {
      // Lost while Redis is down: each process keeps its own breakers meanwhile.
      if (closed || connectionLost(link.command)) return;
      const message = marker + JSON.stringify({ name, change } satisfies Message);
      const transaction = link.command.multi();
      if (change.state === 'open') {
        transaction.set(keyOf(name), '1', 'PX', Math.max(1, Math.ceil(change.retryAfterMs)));
      } else {
        transaction.del(keyOf(name));
      }
      transaction.publish(channel, message);
      transaction.exec().catch((error: unknown) => link.onError(error));
    },
    subscribe(names, listener) {
      const own: Listener = (name, change) => listener(name, change);
      subscriptions.set(own, [...names]);
      void replayOpen(names, own);
      return () => {
        subscriptions.delete(own);
      };
    },
    async ready() {
      if (!subscribed) {
        if (closed) throw new Error('createRedisCircuitSync: it is closed.');
        await new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      }
      await connected(link.command);
    },
    async checkReady() {
      await redisCall(link.command, 'sharing circuit breakers', link.commandTimeoutMs, () =>
        link.command.ping(),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      subscriptions.clear();
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error('createRedisCircuitSync: closed before it was ready.'));
      }
      await link.close();
    },
  };
}
