import { isFinalRunStatus } from '@galaxyflow/engine';
import type { EventBus } from './events';
import type { RunEventRecord, RunStore } from './store/types';

/** Where a streamed response writes; each binding (Node response, web stream) provides one. */
export interface StreamSink {
  /**
   * Queues bytes for the client. One event's bytes go to every stream of the run: a sink
   * that hands them to code that could transfer or change them must copy them first.
   */
  write(chunk: Uint8Array): void;
  /** Ends the response. */
  end(): void;
  /** Bytes written but not yet taken by the client: how far behind it is. */
  readonly bufferedBytes: number;
}

/** A response body produced over time. Bindings call `start` once, then `cancel` when the client leaves. */
export interface CoreStream {
  start(sink: StreamSink): void;
  /** Frees everything the stream holds. Safe to call at any time, more than once. */
  cancel(): void;
}

/** Server-Sent Events settings of the router. */
export interface StreamOptions {
  /** Event streams one user may have open at once (per router instance); more answer 429. Default 10. */
  maxPerUser?: number;
  /** How often an idle stream sends a comment so proxies keep it open, in ms. Default 15,000. */
  heartbeatMs?: number;
  /**
   * How often a stream reads new events from the store, in ms. Without an event bus that is
   * how events arrive; with one it catches what the bus cannot carry, such as events of a
   * run executed by a worker in another process, which publishes to its own bus. A stream
   * the bus fed within the interval skips the read. Default 1,000.
   */
  pollMs?: number;
  /** The reconnection delay sent to clients (`retry:`), in ms. Default 2,000. */
  retryMs?: number;
  /**
   * A client this many bytes behind is disconnected (it resumes with `Last-Event-ID`), so a
   * slow reader cannot make the server buffer without bound. Default 1 MiB.
   */
  maxBufferedBytes?: number;
}

export type ResolvedStreamOptions = Required<StreamOptions>;

export function resolveStreamOptions(options: StreamOptions = {}): ResolvedStreamOptions {
  return {
    maxPerUser: options.maxPerUser ?? 10,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    pollMs: options.pollMs ?? 1000,
    retryMs: options.retryMs ?? 2000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
  };
}

const PAGE = 500;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');

// Every stream of a run gets the same record objects from the bus: each event is
// serialized and encoded once, however many streams send it.
const frames = new WeakMap<RunEventRecord, Uint8Array>();

function frameOf(record: RunEventRecord): Uint8Array {
  let frame = frames.get(record);
  if (frame === undefined) {
    frame = encoder.encode(`id: ${record.seq}\ndata: ${JSON.stringify(record.event)}\n\n`);
    frames.set(record, frame);
  }
  return frame;
}

export interface RunEventStreamInput {
  store: RunStore;
  bus: EventBus | undefined;
  ownerId: string;
  runId: string;
  /** Events with a greater `seq` are sent (the client's `Last-Event-ID`). */
  afterSeq: number;
  options: ResolvedStreamOptions;
  /** Called once when the stream ends, however it ends. */
  onClose(): void;
  /** Reports a store failure; the stream then ends and the client resumes. */
  onError(error: unknown): void;
}

/**
 * The SSE stream of one run: the stored events after `afterSeq`, then the live ones, each
 * with `id: <seq>`, ending after `run:finish`. It subscribes to the bus before it reads the
 * store and numbers by `seq`, so events stored during the read are neither lost nor sent
 * twice; a gap in what the bus delivers is filled from the store.
 */
export function createRunEventStream(input: RunEventStreamInput): CoreStream {
  const { store, bus, runId, options } = input;
  let sink: StreamSink | undefined;
  let lastSent = input.afterSeq;
  let closed = false;
  let reading: Promise<void> | null = null;
  let readAgain = false;
  let checkFinal = true;
  const live: RunEventRecord[] = [];
  let unsubscribe: (() => void) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;
  // When the bus last delivered: a stream it feeds needs no store read on the next poll.
  let lastDelivered = 0;

  function close(endResponse: boolean): void {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(heartbeat);
    clearInterval(poller);
    live.length = 0;
    if (endResponse) sink?.end();
    input.onClose();
  }

  function send(record: RunEventRecord): void {
    if (closed || !sink) return;
    sink.write(frameOf(record));
    lastSent = record.seq;
    if (record.event.type === 'run:finish') close(true);
    else if (sink.bufferedBytes > options.maxBufferedBytes) close(true);
  }

  /** Sends what the bus delivered, or reads the store when it skipped something. */
  function deliver(records: readonly RunEventRecord[]): void {
    for (const record of records) {
      if (closed) return;
      if (record.seq <= lastSent) continue;
      if (record.seq !== lastSent + 1) {
        read();
        return;
      }
      send(record);
    }
  }

  /** Reads the store from `lastSent` on; one read at a time, repeated when asked meanwhile. */
  function read(): void {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    const task = (async () => {
      do {
        readAgain = false;
        for (;;) {
          const page = await store.listRunEvents(runId, lastSent, PAGE);
          for (const record of page) if (record.seq === lastSent + 1) send(record);
          if (closed || page.length < PAGE) break;
        }
        if (closed || !checkFinal) continue;
        // A run that ended without a final event in its log (older data): replay and close.
        checkFinal = false;
        const run = await store.getRun(input.ownerId, runId);
        if (!run || isFinalRunStatus(run.status)) {
          for (const record of await store.listRunEvents(runId, lastSent)) {
            if (record.seq === lastSent + 1) send(record);
          }
          close(true);
        }
      } while (readAgain && !closed);
    })();
    reading = task;
    task
      .catch((error: unknown) => {
        input.onError(error);
        close(true);
      })
      .finally(() => {
        reading = null;
        // What the bus delivered during the read: sent now, in order, without repeats.
        if (!closed) deliver(live.splice(0));
      });
  }

  return {
    start(target) {
      if (closed) return;
      sink = target;
      // Subscribe before reading, so nothing stored during the read is missed.
      unsubscribe = bus?.subscribe(runId, (records) => {
        if (closed) return;
        lastDelivered = Date.now();
        if (reading) live.push(...records);
        else deliver(records);
      });
      sink.write(encoder.encode(`retry: ${options.retryMs}\n\n`));
      heartbeat = setInterval(() => {
        if (closed || !sink) return;
        sink.write(KEEP_ALIVE);
        checkFinal = true;
        read();
      }, options.heartbeatMs);
      poller = setInterval(() => {
        if (Date.now() - lastDelivered >= options.pollMs) read();
      }, options.pollMs);
      read();
    },
    cancel() {
      close(false);
    },
  };
}
