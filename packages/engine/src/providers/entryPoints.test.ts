import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SDKS = ['@google/generative-ai', 'groq-sdk'];

/** A relative import's file, as the bundler resolves it: `x.ts`, else the folder's `x/index.ts`. */
function resolveSource(path: string): string {
  if (path.endsWith('.ts')) return path;
  return existsSync(`${path}.ts`) ? `${path}.ts` : resolve(path, 'index.ts');
}

/** Every module and package reachable from a source file through static and dynamic imports. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [resolve(SRC, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const target = match[1] ?? match[2]!;
      if (target.startsWith('.')) queue.push(resolveSource(resolve(dirname(file), target)));
      else packages.add(target);
    }
  }
  return { files, packages };
}

describe('entry points', () => {
  it.each(['index.ts', 'providers/index.ts', 'nodes/llm.ts', 'nodes/vision.ts'])(
    '%s reaches no provider SDK and no Node-only module',
    (entry) => {
      const { files, packages } = reachable(entry);
      expect([...packages].filter((name) => SDKS.some((sdk) => name.startsWith(sdk)))).toEqual([]);
      expect([...packages].filter((name) => name.startsWith('node:'))).toEqual([]);
      expect([...files].map((f) => f.slice(SRC.length + 1)).filter((f) => /^providers\/(gemini|groq)\.ts$|^(nodeOnly|testing)\//.test(f))).toEqual([]);
    },
  );

  it('each SDK is imported only by its own provider module', () => {
    expect([...reachable('providers/gemini.ts').packages].filter((p) => SDKS.includes(p))).toEqual(['@google/generative-ai']);
    expect([...reachable('providers/groq.ts').packages].filter((p) => SDKS.includes(p))).toEqual(['groq-sdk']);
    expect([...reachable('providers/openaiCompatible.ts').packages].filter((p) => SDKS.includes(p))).toEqual([]);
  });
});
