import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { hostError } from '../errors';

/**
 * How an adapter reaches Redis. Give `connection` and it opens (and `close()` closes) its own
 * connections; give `client` and it borrows the host's, which it never closes, duplicating
 * it for the subscriptions a command connection cannot carry.
 */
export interface RedisConnectionOptions {
  /** A `redis://` / `rediss://` URL or ioredis options. Either this or `client`. */
  connection?: string | Omit<RedisOptions, 'replyMapping'>;
  /** An ioredis client the host opened and closes (e.g. from `connectRedis`). Either this or `connection`. */
  client?: Redis;
  /** Starts every key and channel the adapter uses, so several apps can share one Redis. Default `galaxyflow:`. */
  prefix?: string;
  /** Longest wait for one Redis command, in ms; past it the call fails as if Redis were down. Default 2,000. */
  commandTimeoutMs?: number;
  /**
   * Hears connection trouble (lost, refused, a command that failed), once per outage; the
   * adapter keeps reconnecting. Default `console.error`.
   */
  onError?: (error: unknown) => void;
}

export const DEFAULT_PREFIX = 'galaxyflow:';

/** The URL with its password hidden, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

function describeTarget(client: Redis): string {
  const options = client.options;
  if (options.path) return `Redis at ${options.path}`;
  return `Redis at ${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}

/** The error a call gets while Redis cannot answer it; the router answers it with 503. */
export function redisUnavailable(what: string, client: Redis, reason: string, cause?: unknown) {
  const error = hostError(
    'E_REDIS_UNAVAILABLE',
    `${describeTarget(client)} did not answer (${reason}), so ${what} failed. It reconnects by itself when Redis is back.`,
    { status: client.status },
  );
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
}

/** Clients that have been connected once: from then on, not connected means Redis was lost. */
const connectedOnce = new WeakSet<Redis>();
const FIRST_CONNECT = new Set(['wait', 'connecting', 'connect']);

/** Remembers when `client` first connects, so `redisCall` can tell starting up from an outage. */
export function watchConnection(client: Redis): void {
  if (client.status === 'ready') connectedOnce.add(client);
  else client.once('ready', () => connectedOnce.add(client));
}

/** True while a connection that was up has been lost (not while it is first being made). */
export function connectionLost(client: Redis): boolean {
  return (
    client.status !== 'ready' && (connectedOnce.has(client) || !FIRST_CONNECT.has(client.status))
  );
}

/** Resolves when `client` is connected (at once when it is). */
export function connected(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

/**
 * Runs one Redis call, failing at once while the connection is lost (instead of queueing the
 * command until Redis returns) and after `timeoutMs` when Redis does not answer. While a new
 * connection is still being made, the call waits for it, within the same `timeoutMs`.
 */
export async function redisCall<T>(
  client: Redis,
  what: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  if (connectionLost(client)) {
    throw redisUnavailable(what, client, `the connection is ${client.status}`);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(redisUnavailable(what, client, `no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'E_REDIS_UNAVAILABLE') throw error;
    throw redisUnavailable(what, client, (error as Error)?.message ?? String(error), error);
  } finally {
    clearTimeout(timer);
  }
}

/** A Lua script run by its SHA1, loaded into Redis the first time (and again after a restart). */
export interface RedisScript {
  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export function redisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(client, keys, args) {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        // A restarted Redis has forgotten the script: EVAL loads it again.
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
        return await client.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

/** Logs an outage once, and its end; what the adapters do unless given `onError`. */
export function outageReporter(onError: (error: unknown) => void, client: Redis) {
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    onError(error);
  });
  client.on('ready', () => {
    down = false;
  });
}

/** The connections one adapter uses, and how to let go of them. */
export interface RedisLink {
  /** For commands and PUBLISH. */
  readonly command: Redis;
  /** A connection of its own for SUBSCRIBE, made on first use. */
  subscriber(): Redis;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly onError: (error: unknown) => void;
  /** Closes the connections the adapter opened (never the host's `client`). */
  close(): Promise<void>;
}

export function openRedisLink(options: RedisConnectionOptions, factory: string): RedisLink {
  const onError =
    options.onError ?? ((error: unknown) => console.error(`${factory}: Redis error`, error));
  if (!options.client === !options.connection) {
    throw hostError(
      'E_INVALID_OPTION',
      `${factory}: pass either \`connection\` (a Redis URL or ioredis options) or \`client\` (an ioredis client), not ${options.client ? 'both' : 'neither'}.`,
      { option: 'connection' },
    );
  }
  const commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
  if (!(commandTimeoutMs >= 1)) {
    throw hostError(
      'E_INVALID_OPTION',
      `${factory}: commandTimeoutMs must be at least 1; got ${commandTimeoutMs}.`,
      { option: 'commandTimeoutMs' },
    );
  }
  const owned: Redis[] = [];
  let command: Redis;
  if (options.client) {
    command = options.client;
  } else {
    const connection = options.connection!;
    command =
      typeof connection === 'string'
        ? new Redis(connection, { connectionName: factory, replyMapping: 'legacy' })
        : new Redis({ connectionName: factory, ...connection, replyMapping: 'legacy' });
    outageReporter(onError, command);
    owned.push(command);
  }
  watchConnection(command);
  let subscriber: Redis | undefined;
  return {
    command,
    prefix: options.prefix ?? DEFAULT_PREFIX,
    commandTimeoutMs,
    onError,
    subscriber() {
      if (!subscriber) {
        // Subscribes only once connected (see the callers), so nothing waits in a queue.
        subscriber = command.duplicate({
          connectionName: `${factory}-subscriber`,
          autoResubscribe: false,
          enableOfflineQueue: false,
          lazyConnect: false,
        });
        outageReporter(onError, subscriber);
        watchConnection(subscriber);
        owned.push(subscriber);
      }
      return subscriber;
    },
    close: () => quitClients(owned.splice(0)),
  };
}

/** Closes connections: politely (QUIT) when connected, at once otherwise. */
export async function quitClients(clients: readonly Redis[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    }),
  );
}

export interface ConnectRedisOptions {
  /** The Redis URL, e.g. `process.env.REDIS_URL`. */
  url: string | undefined;
  /** Where the URL came from, named in the error when it is missing or Redis does not answer. Default `the Redis URL`. */
  source?: string;
  /** How long to wait for Redis to answer, in ms. Default 5,000. */
  timeoutMs?: number;
  /** More ioredis options. Default none. */
  options?: Omit<RedisOptions, 'replyMapping'>;
  /** Hears connection trouble once per outage, while ioredis reconnects. Default `console.error`. */
  onError?: (error: unknown) => void;
}

/**
 * Opens a connection for the Redis adapters to share (`client`) and waits until Redis
 * answers, so a server does not start without it: it throws `E_REDIS_UNAVAILABLE` naming
 * `source` (e.g. `REDIS_URL`) and the address, or `E_INVALID_OPTION` when the URL is missing
 * or is not a Redis URL. Once connected, ioredis reconnects by itself whenever Redis drops.
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<Redis> {
  const source = options.source ?? 'the Redis URL';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const url = options.url?.trim();
  if (!url) {
    throw hostError(
      'E_INVALID_OPTION',
      `${source} is not set: set it to your Redis server, e.g. redis://127.0.0.1:6379.`,
      { option: source },
    );
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw hostError(
      'E_INVALID_OPTION',
      `${source} must be a redis:// or rediss:// URL; got ${redactRedisUrl(url)}.`,
      { option: source },
    );
  }
  const client = new Redis(url, {
    connectionName: 'galaxyflow',
    ...options.options,
    // The adapters read replies in the shapes RESP2 has (RESP3 maps stay arrays).
    replyMapping: 'legacy',
    lazyConnect: true,
  });
  let lastError: unknown;
  const remember = (error: unknown) => {
    lastError = error;
  };
  client.on('error', remember);
  const deadline = Date.now() + timeoutMs;
  try {
    // The first attempt may be refused while Redis is starting: ioredis retries until the deadline.
    client.connect().catch(remember);
    while (client.status !== 'ready') {
      if (client.status === 'end') throw lastError ?? new Error('the connection ended');
      if (Date.now() >= deadline) throw lastError ?? new Error('no answer');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await redisCall(client, 'PING', Math.max(1, deadline - Date.now()), () => client.ping());
  } catch (cause) {
    client.disconnect();
    const reason = (cause as Error)?.message || String(cause);
    throw hostError(
      'E_REDIS_UNAVAILABLE',
      `Redis at ${redactRedisUrl(url)} (${source}) did not answer within ${timeoutMs} ms: ${reason}. Start Redis there, or set ${source} to a server that runs.`,
      { option: source, url: redactRedisUrl(url) },
    );
  } finally {
    client.off('error', remember);
  }
  outageReporter(
    options.onError ?? ((error: unknown) => console.error(`Redis (${source}) error`, error)),
    client,
  );
  return client;
}
