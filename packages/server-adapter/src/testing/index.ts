export { createInlineQueue } from './inlineQueue';
export type { InlineQueue, InlineQueueOptions } from './inlineQueue';
export { runQueueContract } from './queueContract';
export type { QueueContractHarness, QueueContractOptions } from './queueContract';
export { runStoreContract } from './storeContract';
export type { StoreContractOptions } from './storeContract';
