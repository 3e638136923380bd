import { randomUUID } from 'node:crypto';
import { createMemoryEventBus, type EventBus } from '../events';
import type { RunEventRecord } from '../store/types';
import {
  connected,
  connectionLost,
  openRedisLink,
  type RedisConnectionOptions,
  redisCall,
} from './connection';

export interface RedisEventBusOptions extends RedisConnectionOptions {
  /** Called when a listener throws; the other listeners still run. Default `console.error`. */
  onListenerError?: (error: unknown, runId: string) => void;
}

/** The Redis bus, with what health checks, tests and shutdown need. */
export interface RedisEventBus extends EventBus {
  /** Listeners of one run in this process, or of every run when no id is given. */
  listenerCount(runId?: string): number;
  /** Resolves once this process hears what other processes publish, and can publish to them. */
  ready(): Promise<void>;
  /** Throws `E_REDIS_UNAVAILABLE` while Redis cannot carry events, for `GET /ready`. */
  checkReady(): Promise<void>;
  /** Stops listening and closes the connections the bus opened. */
  close(): Promise<void>;
}

/** Escapes the glob characters of a prefix, for PSUBSCRIBE. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Run events across processes over Redis pub/sub: a worker in one process publishes the
 * events it stored, and the SSE streams of every process hear them. Each process holds one
 * subscription (a pattern over every run's channel) however many streams it serves, and
 * hands each message to its own listeners; messages of runs nobody here watches are dropped
 * unread. A process's own events reach its own listeners at once, without the round trip.
 *
 * The store stays the source of truth: while Redis is down events are not carried (publishing
 * drops them and never throws) and streams keep up by reading the store, as they do to fill
 * any gap; when Redis returns the bus resubscribes by itself.
 */
export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const link = openRedisLink(options, 'createRedisEventBus');
  // This process's own listeners: the in-process bus does the fan-out (a new one on close
  // lets every listener go).
  const localBus = () =>
    createMemoryEventBus(
      options.onListenerError ? { onListenerError: options.onListenerError } : {},
    );
  let local = localBus();
  const origin = randomUUID();
  const marker = `${origin}|`;
  const channelPrefix = `${link.prefix}run:`;
  const pattern = `${globEscape(channelPrefix)}*`;
  let closed = false;
  let subscribed = false;
  const waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  const subscriber = link.subscriber();
  function subscribe(): void {
    if (closed || subscriber.status !== 'ready') return;
    subscriber.psubscribe(pattern).then(
      () => {
        subscribed = true;
        for (const waiter of waiters.splice(0)) waiter.resolve();
      },
      (error: unknown) => link.onError(error),
    );
  }
  subscriber.on('ready', subscribe);
  subscriber.on('close', () => {
    subscribed = false;
  });
  subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const runId = channel.slice(channelPrefix.length);
    // Unread unless someone here listens, and never a second time for the process that sent it.
    if (local.listenerCount(runId) === 0 || message.startsWith(marker)) return;
    let records: RunEventRecord[];
    try {
      records = JSON.parse(message.slice(message.indexOf('|') + 1)) as RunEventRecord[];
    } catch (error) {
      link.onError(error);
      return;
    }
    local.publish(runId, records);
  });
  subscribe();

  return {
    publish(runId, records) {
      if (records.length === 0 || closed) return;
      local.publish(runId, records);
      // Dropped while Redis is lost: the other processes' streams read the store meanwhile.
      // (While the first connection is made, ioredis holds them until it is up.)
      if (connectionLost(link.command)) return;
      let message: string;
      try {
        message = marker + JSON.stringify(records);
      } catch (error) {
        link.onError(error);
        return;
      }
      link.command.publish(channelPrefix + runId, message).catch((error: unknown) => {
        link.onError(error);
      });
    },
    subscribe: (runId, listener) => local.subscribe(runId, listener),
    listenerCount: (runId) => local.listenerCount(runId),
    async ready() {
      if (!subscribed) {
        if (closed) throw new Error('createRedisEventBus: the bus is closed.');
        await new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      }
      await connected(link.command);
    },
    async checkReady() {
      await redisCall(link.command, 'publishing run events', link.commandTimeoutMs, () =>
        link.command.ping(),
      );
      if (!subscribed) {
        await redisCall(subscriber, 'hearing run events', link.commandTimeoutMs, async () => {
          throw new Error('the subscription is not active yet');
        });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      local = localBus();
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error('createRedisEventBus: the bus was closed before it was ready.'));
      }
      if (subscribed) await subscriber.punsubscribe(pattern).catch(() => {});
      subscribed = false;
      await link.close();
    },
  };
}
