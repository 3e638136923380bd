// The named export: see handle.ts (a default import breaks the published types under NodeNext ESM).
import { EventEmitter } from 'eventemitter3';
import type { RunEvent, RunEventMap, RunEventType } from '../types';

type Listener<T extends RunEventType> = EventEmitter.EventListener<RunEventMap, T>;
type AnyListener = (this: unknown, event: RunEvent) => void;

/**
 * The eventemitter3 emitter of a run (`RunHandle.events`), with each listener isolated.
 * eventemitter3 calls listeners in a plain loop, so one that throws would skip the listeners
 * after it and unwind into the scheduler mid-step, leaving the run unfinished. Here every
 * listener is wrapped where it is added; its error goes to `onListenerError` and the others
 * still run. `off`, `removeListener` and `listeners` speak in the functions the host passed.
 */
export class RunEmitter extends EventEmitter<RunEventMap> {
  private readonly guards = new WeakMap<AnyListener, AnyListener>();
  private readonly originals = new WeakMap<AnyListener, AnyListener>();

  constructor(private readonly onListenerError: (error: unknown, event: RunEvent) => void) {
    super();
  }

  private guard<T extends RunEventType>(fn: Listener<T>): Listener<T> {
    const original = fn as unknown as AnyListener;
    let guard = this.guards.get(original);
    if (!guard) {
      const report = this.onListenerError;
      guard = function (this: unknown, event: RunEvent) {
        try {
          original.call(this, event);
        } catch (error) {
          report(error, event);
        }
      };
      this.guards.set(original, guard);
      this.originals.set(guard, original);
    }
    return guard as unknown as Listener<T>;
  }

  private guardOf<T extends RunEventType>(fn: Listener<T> | undefined): Listener<T> | undefined {
    if (!fn) return undefined;
    return (this.guards.get(fn as unknown as AnyListener) as unknown as Listener<T> | undefined) ?? fn;
  }

  /**
   * Whether a listener was ever added. Until one is, no event type has listeners, and the
   * scheduler skips counting them for its two events per node.
   */
  listenedTo = false;

  override on<T extends RunEventType>(event: T, fn: Listener<T>, context?: unknown): this {
    this.listenedTo = true;
    return super.on(event, this.guard(fn), context);
  }

  override addListener<T extends RunEventType>(event: T, fn: Listener<T>, context?: unknown): this {
    this.listenedTo = true;
    return super.addListener(event, this.guard(fn), context);
  }

  override once<T extends RunEventType>(event: T, fn: Listener<T>, context?: unknown): this {
    this.listenedTo = true;
    return super.once(event, this.guard(fn), context);
  }

  override removeListener<T extends RunEventType>(event: T, fn?: Listener<T>, context?: unknown, once?: boolean): this {
    return super.removeListener(event, this.guardOf(fn), context, once);
  }

  override off<T extends RunEventType>(event: T, fn?: Listener<T>, context?: unknown, once?: boolean): this {
    return super.off(event, this.guardOf(fn), context, once);
  }

  override listeners<T extends RunEventType>(event: T): Listener<T>[] {
    return super.listeners(event).map((fn) => (this.originals.get(fn as unknown as AnyListener) as unknown as Listener<T> | undefined) ?? fn);
  }
}
