// A type-only import: the editor's contract is checked by `tsc`, nothing of the editor is loaded.
import type { EditorClient } from '../../../react-editor/src/client/types';
import { expectTypeOf, test } from 'vitest';
import { createGalaxyClient, type GalaxyClient } from '../client/index';

test('the client is an EditorClient: the editor takes it as is', () => {
  expectTypeOf<GalaxyClient>().toExtend<EditorClient>();
  const client = createGalaxyClient({ baseUrl: '/api' });
  expectTypeOf(client).toExtend<EditorClient>();
});
