import { createMemoryClient } from '../client/createMemoryClient';
import { runEditorClientContract } from '../testing';

runEditorClientContract({
  name: 'memory client',
  create({ registry }) {
    const client = createMemoryClient({ registry });
    let workflows = 0;
    return {
      client,
      async seed(name, workflow) {
        const stored = await client.saveWorkflow({ id: `wf-${++workflows}`, workflow, name });
        return { id: stored.id, version: stored.version };
      },
      async saveElsewhere(id, workflow) {
        client.saveElsewhere(id, workflow);
      },
    };
  },
});
