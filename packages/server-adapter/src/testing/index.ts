export { createInlineQueue } from './inlineQueue';
export type { InlineQueue, InlineQueueOptions } from './inlineQueue';
export { runStoreContract } from './storeContract/index';
export type { StoreContractOptions } from './storeContract/index';
