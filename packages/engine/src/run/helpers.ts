import type { Lowered } from '../runOptions';
import type { CompiledNode } from '../validate';

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';

/** A duration in words for messages: the largest whole unit. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** A wait in words: whole seconds once it is a second or more. */
export function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.ceil(ms / 1000)} s`;
}

/** A wait or limit in words, for log lines. */
export function formatMs(ms: number): string {
  return ms === Number.POSITIVE_INFINITY ? 'no limit' : `${ms} ms`;
}

/** The log line for a value a workflow asked for above the host's cap; `field` is where it asked, e.g. `data.timeoutMs`. */
export function loweredMessage(where: string, field: string, { asked, cap }: Lowered): string {
  const show = field.endsWith('maxAttempts') ? (n: number) => `${n}` : formatMs;
  return `${where}: ${field} ${show(asked)} is above the ${show(cap)} this host allows (RunOptions.caps), so ${show(cap)} applies.`;
}

/**
 * The scheduled nodes in start order for ties: by topological level, then by id. A counting
 * sort by level over the nodes sorted by id, rather than a second comparison sort.
 */
export function startOrder(nodes: readonly CompiledNode[], level: Int32Array, scope: Uint8Array): number[] {
  const byId: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (scope[i]) byId.push(i);
  byId.sort((a, b) => (nodes[a]!.id < nodes[b]!.id ? -1 : nodes[a]!.id > nodes[b]!.id ? 1 : 0));
  let levels = 0;
  for (const i of byId) levels = Math.max(levels, level[i]! + 1);
  const next = new Int32Array(levels + 1);
  for (const i of byId) next[level[i]! + 1]!++;
  for (let l = 1; l <= levels; l++) next[l]! += next[l - 1]!;
  const order: number[] = new Array(byId.length);
  for (const i of byId) order[next[level[i]!]!++] = i;
  return order;
}

const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/**
 * Calls `callback` once the event loop has had a turn, so pending I/O (a server's other
 * requests, a page's input) is served first: `setImmediate` where the runtime has one (Node,
 * Bun, Deno: it runs right after I/O polling, without a timer's 1 ms floor), else a
 * zero-delay timer.
 */
export const afterTurn: (callback: () => void) => void =
  typeof immediate === 'function'
    ? (callback) => {
        immediate(callback);
      }
    : (callback) => {
        setTimeout(callback, 0);
      };
