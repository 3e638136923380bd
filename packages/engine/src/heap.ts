/**
 * A binary min-heap of small non-negative integers in a preallocated `Int32Array`: no
 * comparator call and, within its capacity, no allocation per push. The scheduler pushes each ready node's rank
 * in start order, so the smallest rank is the node to start next.
 */
export class IntHeap {
  private items: Int32Array;
  private length = 0;

  /** `capacity`: the most values expected at once; it grows past that if need be. */
  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.length;
  }

  push(value: number): void {
    if (this.length === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const items = this.items;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent]!;
      if (value >= above) break;
      items[i] = above;
      i = parent;
    }
    items[i] = value;
  }

  /** The smallest value, removed; -1 when empty. */
  pop(): number {
    if (this.length === 0) return -1;
    const items = this.items;
    const top = items[0]!;
    const n = --this.length;
    if (n === 0) return top;
    const last = items[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && items[r]! < items[l]! ? r : l;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
