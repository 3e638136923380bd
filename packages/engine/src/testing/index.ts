export { createPng } from './png';
export { startLLMStub, wordChunks } from './llmStub';
export type {
  LLMStub,
  LLMStubOptions,
  StubApi,
  StubMatch,
  StubReply,
  StubRequest,
  StubResponseFormat,
  StubStrayRequest,
  StubUsage,
} from './llmStub';
