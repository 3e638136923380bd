export { createInlineQueue } from './inlineQueue';
export type { InlineQueue, InlineQueueOptions } from './inlineQueue';
export { runStoreContract } from './storeContract';
export type { StoreContractOptions } from './storeContract';
