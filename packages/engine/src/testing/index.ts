export { startLLMStub, wordChunks } from './llmStub';
export type {
  LLMStub,
  LLMStubOptions,
  StubApi,
  StubMatch,
  StubReply,
  StubRequest,
  StubUsage,
} from './llmStub';
