/**
 * `first`, then the rest of `iterator`: a checked stream whose first chunk was read (to know the
 * check passed before anything is stored) handed on whole to a blob store.
 */
export async function* resumed(
  first: Uint8Array,
  iterator: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield first;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}
