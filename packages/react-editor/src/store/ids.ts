const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A short random id such as `n_k3j9x0qa`: unique enough for one workflow, readable in JSON. */
export function createId(prefix: string): string {
  const bytes = new Uint8Array(10);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}
