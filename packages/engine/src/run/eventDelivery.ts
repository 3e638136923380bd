import type { JsonValue, LogLevel, RunEvent, RunOptions } from '../types';
import { RunEmitter } from './RunEmitter';

/** Listener errors the default `onListenerError` logs per run: a listener that throws on every event must not drown the node logs. */
const MAX_LISTENER_ERROR_LOGS = 10;

export interface EventDeliveryOptions {
  /** The run's options, read at each event, for `onEvent` and `onListenerError`. */
  readonly hooks: Pick<RunOptions, 'onEvent' | 'onListenerError'>;
  /** Writes a line to the run's log: where listener errors go when the host gave no `onListenerError`. */
  readonly log: (level: LogLevel, message: string, nodeId?: string, data?: JsonValue) => void;
  /** Whether the run is over here: an iterator opened then ends at once. */
  readonly finished: () => boolean;
}

export interface EventDelivery {
  /** Delivers an event to `onEvent`, the emitter's listeners and the iterators. */
  emit(event: RunEvent): void;
  /** Whether `emit` of this type would do anything. */
  heard(type: RunEvent['type']): boolean;
  /** The handle's `events`. */
  readonly emitter: RunEmitter;
  /** A new async iterator over every event from now until `end()`: the handle's `[Symbol.asyncIterator]`. */
  iterator(): AsyncIterator<RunEvent>;
  /** Ends every open iterator: the run is over here. */
  end(): void;
}

/**
 * Everything a run's events go through on their way to the host: `onEvent`, the `RunEmitter`
 * and the async iterators, with listener errors caught and reported apart from the scheduler.
 */
export function createEventDelivery({ hooks, log, finished }: EventDeliveryOptions): EventDelivery {
  /** Listener errors waiting to be reported, once the event that caused them has reached every listener. */
  const listenerErrors: { error: unknown; event: RunEvent }[] = [];
  let reportingListenerErrors = false;
  let listenerErrorsLogged = 0;
  const emitter = new RunEmitter(listenerFailed);
  const iterators = new Set<(event: RunEvent | null) => void>();

  /**
   * Delivers an event to `onEvent`, the emitter's listeners and the iterators. A listener that
   * throws is the host's bug, not the run's: the scheduler is mid-step here, so the error is
   * caught (rethrowing it, even later, would crash a Node host) and reported after everyone
   * else has the event.
   */
  function emit(event: RunEvent): void {
    if (hooks.onEvent) {
      try {
        hooks.onEvent(event);
      } catch (error) {
        listenerFailed(error, event);
      }
    }
    emitter.emit(event.type, event as never);
    if (iterators.size > 0) for (const push of iterators) push(event);
    if (listenerErrors.length > 0 && !reportingListenerErrors) reportListenerErrors();
  }

  /**
   * Whether `emit` of this type would do anything. When it would not, the per-node events are
   * not even built: at 10,000 nodes that is 20,000 objects nobody reads. Listeners added later
   * (in a listener, between awaits) are seen from the next event on, as with `emit`.
   */
  function heard(type: RunEvent['type']): boolean {
    return hooks.onEvent !== undefined || iterators.size > 0 || listenerErrors.length > 0 || (emitter.listenedTo && emitter.listenerCount(type) > 0);
  }

  function listenerFailed(error: unknown, event: RunEvent): void {
    // A listener that also throws on the report of its error would loop forever: drop that one.
    if (!reportingListenerErrors) listenerErrors.push({ error, event });
  }

  function reportListenerErrors(): void {
    reportingListenerErrors = true;
    try {
      for (let failure = listenerErrors.shift(); failure; failure = listenerErrors.shift()) {
        try {
          (hooks.onListenerError ?? logListenerError)(failure.error, failure.event);
        } catch {
          // The reporter itself failed: there is nowhere left to report to.
        }
      }
    } finally {
      reportingListenerErrors = false;
    }
  }

  function logListenerError(error: unknown, event: RunEvent): void {
    listenerErrorsLogged++;
    if (listenerErrorsLogged > MAX_LISTENER_ERROR_LOGS) {
      if (listenerErrorsLogged === MAX_LISTENER_ERROR_LOGS + 1) log('error', 'Further errors thrown by event listeners are not logged.');
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    log('error', `An event listener threw on "${event.type}": ${message}. The run went on; fix the listener (onEvent or handle.events).`, undefined, {
      eventType: event.type,
      error: message,
    });
  }

  function iterator(): AsyncIterator<RunEvent> {
    // Events not yet read; `null` marks the end. Emptied and unsubscribed by `return()`, so a
    // consumer that breaks out of `for await` stops costing memory for the rest of the run.
    let buffer: (RunEvent | null)[] = [];
    let wake: (() => void) | null = null;
    const push = (event: RunEvent | null): void => {
      buffer.push(event);
      wake?.();
    };
    if (!finished()) iterators.add(push);
    else buffer.push(null);
    const close = (): IteratorReturnResult<undefined> => {
      iterators.delete(push);
      buffer = [null];
      wake?.();
      return { done: true, value: undefined };
    };
    return {
      async next(): Promise<IteratorResult<RunEvent>> {
        while (buffer.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        const event = buffer[0]!;
        if (event === null) return { done: true, value: undefined };
        buffer.shift();
        return { done: false, value: event };
      },
      async return(): Promise<IteratorResult<RunEvent>> {
        return close();
      },
    };
  }

  function end(): void {
    for (const push of iterators) push(null);
    iterators.clear();
  }

  return { emit, heard, emitter, iterator, end };
}
