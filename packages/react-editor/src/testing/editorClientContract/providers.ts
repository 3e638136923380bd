import { ProviderListSchema } from '@galaxyflow/engine';
import { expect } from 'vitest';
import type { EditorClientContractOptions } from './types';
import { clientTest } from './world';

/** The Provider field's choices: what the server configured, the default flagged once. */
export function providerRules(options: EditorClientContractOptions): void {
  clientTest(
    options,
    'lists providers (when it can) with exactly one default, the one it names',
    async (h) => {
      if (!h.client.listProviders) return;
      const list = ProviderListSchema.parse(await h.client.listProviders());
      const defaults = list.providers.filter((provider) => provider.default);
      if (list.providers.length === 0) {
        expect(list.defaultProvider).toBeNull();
        return;
      }
      expect(defaults.map((provider) => provider.name)).toEqual([list.defaultProvider]);
    },
  );
}
