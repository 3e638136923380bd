// Type-only: `tsc` checks that the server's HTTP client is what the editor takes, with both
// packages imported by name as a host imports them. Nothing of either is loaded.
import type { EditorClient } from '@galaxyflow/react-editor';
import { createGalaxyClient, type GalaxyClient } from '@galaxyflow/server-adapter/client';
import { expectTypeOf, test } from 'vitest';

test('the HTTP client is an EditorClient: the editor takes it as is', () => {
  expectTypeOf<GalaxyClient>().toExtend<EditorClient>();
  const client = createGalaxyClient({ baseUrl: '/api' });
  expectTypeOf(client).toExtend<EditorClient>();
});
