import type { AnyNodeDefinition, NodeRegistry } from '@galaxyflow/engine';

/**
 * Stands between the engine and the node executors of one run. The engine has no way to be
 * told "start no more nodes, let the running ones finish", so the gate does it at the
 * executor: once closed, an executor the engine launches is held (it never runs; it ends
 * when the run is stopped), while executors already running go on to the end.
 */
export interface NodeGate {
  /** The registry to hand the engine: the same node types, their executors gated. */
  readonly registry: NodeRegistry;
  /** Whether `close` was called. */
  readonly closed: boolean;
  /** Executors running now, held ones not counted. */
  readonly active: number;
  /** Starts no more executors; `onDrained` is called once none is running. */
  close(): void;
}

export interface NodeGateOptions {
  /**
   * Asked before each executor starts; false holds the executor instead (e.g. the run was
   * canceled from another process). Default: always start.
   */
  beforeStart?: () => Promise<boolean> | boolean;
  /** Called right before an executor runs: the node really starts. Default none. */
  onStart?: (nodeId: string) => void;
  /** Called when an executor is held instead of run: the node never starts. Default none. */
  onHold?: (nodeId: string) => void;
  /** Called once, after `close`, when no executor is running any more. */
  onDrained: () => void;
}

type RunArgs = Parameters<AnyNodeDefinition['run']>[0];
type RunResult = ReturnType<AnyNodeDefinition['run']>;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as PromiseLike<unknown>).then === 'function';

/** A held executor: settles only when the engine aborts it, as the run stops. */
function hold(args: RunArgs, onHold: ((nodeId: string) => void) | undefined): Promise<never> {
  onHold?.(args.nodeId);
  const { signal } = args;
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function createNodeGate(inner: NodeRegistry, options: NodeGateOptions): NodeGate {
  let closed = false;
  let active = 0;
  let drained = false;
  const wrapped = new Map<string, AnyNodeDefinition>();

  function checkDrained(): void {
    if (!closed || active > 0 || drained) return;
    drained = true;
    // After the engine took the last executor's value: a stop now must not cancel it.
    setImmediate(options.onDrained);
  }

  function finished(): void {
    active -= 1;
    checkDrained();
  }

  function admit(definition: AnyNodeDefinition, args: RunArgs): RunResult {
    active += 1;
    let value: RunResult;
    try {
      options.onStart?.(args.nodeId);
      value = definition.run(args);
    } catch (error) {
      finished();
      throw error;
    }
    if (!isThenable(value)) {
      finished();
      return value;
    }
    return Promise.resolve(value).then(
      (result) => {
        finished();
        return result;
      },
      (error: unknown) => {
        finished();
        throw error;
      },
    );
  }

  function gated(definition: AnyNodeDefinition): AnyNodeDefinition {
    let gatedDefinition = wrapped.get(definition.type);
    if (gatedDefinition) return gatedDefinition;
    gatedDefinition = {
      ...definition,
      run(args: RunArgs) {
        if (closed) return hold(args, options.onHold);
        if (!options.beforeStart) return admit(definition, args);
        return Promise.resolve(options.beforeStart()).then((go) => {
          // The engine may have ended this attempt (its time limit) while the check ran: its
          // executor must not start, or the node would run twice beside the next attempt.
          if (args.signal.aborted) throw args.signal.reason;
          return go && !closed ? admit(definition, args) : hold(args, options.onHold);
        });
      },
    };
    wrapped.set(definition.type, gatedDefinition);
    return gatedDefinition;
  }

  const registry: NodeRegistry = {
    get(type) {
      const definition = inner.get(type);
      return definition && gated(definition);
    },
    has: (type) => inner.has(type),
    list: () => inner.list().map(gated),
    categories: () => inner.categories(),
    extend: (more) => inner.extend(more),
  };

  return {
    registry,
    get closed() {
      return closed;
    },
    get active() {
      return active;
    },
    close() {
      closed = true;
      checkDrained();
    },
  };
}
