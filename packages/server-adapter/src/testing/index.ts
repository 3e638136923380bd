export { runAuthAdapterContract } from './authContract';
export type { AuthContractHarness, AuthContractOptions, AuthHeaders } from './authContract';
export { runEventBusContract } from './eventBusContract';
export type { EventBusContractHarness, EventBusContractOptions } from './eventBusContract';
export { createInlineQueue } from './inlineQueue';
export type { InlineQueue, InlineQueueOptions } from './inlineQueue';
export { runQueueContract } from './queueContract';
export type { QueueContractHarness, QueueContractOptions } from './queueContract';
export { runStoreContract } from './storeContract/index';
export type { StoreContractOptions } from './storeContract/index';
export { runRateLimiterContract } from './rateLimitContract';
export type {
  AuthFailureLimiterContractSettings,
  RateLimiterContractOptions,
  RateLimiterContractSettings,
} from './rateLimitContract';
export { runCircuitSyncContract } from './circuitSyncContract';
export type { CircuitSyncContractHarness, CircuitSyncContractOptions } from './circuitSyncContract';
export { runBlobStoreContract } from './blobStoreContract';
export type { BlobStoreContractOptions } from './blobStoreContract';
