import { createMemoryEventBus } from '../events';
import { runEventBusContract } from '../testing/eventBusContract';

runEventBusContract({
  name: 'in-process bus',
  // Listener errors are the suite's own doing: kept off the test output.
  create: () => ({ bus: createMemoryEventBus({ onListenerError: () => {} }) }),
});
