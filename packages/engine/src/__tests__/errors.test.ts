import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorMessages, GalaxyError, providerError } from '../index';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The engine's shipped sources: every entry point's files, without tests. */
function productionFiles(dir: string = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : productionFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('the error table', () => {
  it('holds every code the engine raises, so hosts can map each one', () => {
    const unknown: string[] = [];
    for (const file of productionFiles()) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/'(E_[A-Z0-9_]+)'/g)) {
        if (!(code! in errorMessages)) unknown.push(`${relative(SRC, file)}: ${code}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('leaves no plain Error to be thrown: every failure carries a code', () => {
    const plain: string[] = [];
    for (const file of productionFiles()) {
      const text = readFileSync(file, 'utf8');
      if (/(?:throw|reject\()\s*new (?:Range|Type)?Error\(/.test(text))
        plain.push(relative(SRC, file));
    }
    expect(plain).toEqual([]);
  });

  it('gives provider errors the message of the one table unless told otherwise', () => {
    const error = providerError('E_SSRF_BLOCKED');
    expect(error).toBeInstanceOf(GalaxyError);
    expect(error.message).toBe(errorMessages.E_SSRF_BLOCKED);
    expect(providerError('E_IMAGE_FETCH', 'The image URL answered HTTP 404.').message).toBe(
      'The image URL answered HTTP 404.',
    );
  });
});
