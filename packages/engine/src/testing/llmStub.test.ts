import { afterEach, describe, expect, it } from 'vitest';
import { type LLMStub, startLLMStub, wordChunks } from './index';

let stub: LLMStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('startLLMStub', () => {
  it('echoes the prompt by default, in each API’s JSON format', async () => {
    stub = await startLLMStub();
    const openai = await (await post(`${stub.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hi' }] })).json();
    expect(openai).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Echo: hi' }, finish_reason: 'stop' }] });
    const gemini = await (await post(`${stub.url}/v1beta/models/g-1:generateContent`, { contents: [{ parts: [{ text: 'yo' }] }] })).json();
    expect(gemini).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Echo: yo' }] }, finishReason: 'STOP' }] });
    expect(stub.requests.map((r) => [r.api, r.model, r.stream])).toEqual([
      ['openai', 'm', false],
      ['gemini', 'g-1', false],
    ]);
  });

  it('streams OpenAI-style SSE ending in [DONE], with usage when asked', async () => {
    stub = await startLLMStub();
    stub.enqueue({ type: 'text', chunks: ['a', 'b'], usage: { inputTokens: 3, outputTokens: 2 } });
    const response = await post(`${stub.url}/v1/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [] });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const payloads = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(payloads.map((p) => p.choices[0]?.delta?.content ?? null)).toEqual(['a', 'b', null, null]);
    expect(payloads.at(-1).usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('gives scripted replies to the requests they match, in order, and the default to the rest', async () => {
    stub = await startLLMStub({ reply: () => ({ type: 'text', text: 'default' }) });
    stub.enqueue({ type: 'text', text: 'for groq', match: { api: 'groq' } }, { type: 'error', status: 503, match: { model: 'x' } });
    const ask = async (path: string, model: string) => (await post(`${stub!.url}${path}`, { model, messages: [] })).status;
    expect(await ask('/v1/chat/completions', 'y')).toBe(200);
    expect(await ask('/v1/chat/completions', 'x')).toBe(503);
    const groq = await (await post(`${stub.url}/openai/v1/chat/completions`, { model: 'y', messages: [] })).json();
    expect(groq.choices[0].message.content).toBe('for groq');
  });

  it('sends Retry-After with 429 and refuses wrong keys when a key is set', async () => {
    stub = await startLLMStub({ apiKey: 'secret' });
    expect((await post(`${stub.url}/v1/chat/completions`, { model: 'm' }, { authorization: 'Bearer nope' })).status).toBe(401);
    stub.enqueue({ type: 'error', status: 429, retryAfter: 7 });
    const limited = await post(`${stub.url}/v1/chat/completions`, { model: 'm' }, { authorization: 'Bearer secret' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
  });

  it('cuts a reply short without finishing it: no finish reason, no [DONE], half a JSON body', async () => {
    stub = await startLLMStub();
    stub.enqueue({ type: 'truncate', chunks: ['The answer is'] }, { type: 'truncate', chunks: ['The answer is'] }, { type: 'truncate', chunks: ['Whole answer.'] });
    const openai = (await (await post(`${stub.url}/v1/chat/completions`, { model: 'm', stream: true, messages: [] })).text()).split('\n\n').filter(Boolean);
    expect(openai.map((e) => JSON.parse(e.slice(6)).choices[0])).toEqual([expect.objectContaining({ delta: { content: 'The answer is' }, finish_reason: null })]);
    const gemini = await (await post(`${stub.url}/v1beta/models/g-1:streamGenerateContent?alt=sse`, { contents: [] })).text();
    expect(gemini).toContain('The answer is');
    expect(gemini).not.toContain('finishReason');
    const whole = await (await post(`${stub.url}/v1/chat/completions`, { model: 'm', messages: [] })).text();
    expect(() => JSON.parse(whole)).toThrow();
  });

  it('answers 404 for unknown routes', async () => {
    stub = await startLLMStub();
    expect((await post(`${stub.url}/v2/complete`, {})).status).toBe(404);
    expect(stub.requests).toHaveLength(0);
  });

  it('notices a client that hangs up, and reports when requests do not arrive', async () => {
    stub = await startLLMStub();
    stub.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const call = fetch(`${stub.url}/v1/chat/completions`, { method: 'POST', body: '{}', signal: controller.signal }).catch(() => 'aborted');
    await stub.waitForRequests(1);
    expect(stub.requests[0]?.closedAt).toBeUndefined();
    controller.abort();
    expect(await call).toBe('aborted');
    const aborted = await stub.waitForClientAbort(1_000);
    expect(aborted.abortedByClient).toBe(true);
    expect(aborted.closedAt).toBeTypeOf('number');
    expect(await aborted.closed).toEqual({ byClient: true });
    await expect(stub.waitForRequests(5, 50)).rejects.toThrow('received 1 of 5');
  });

  it('splits text into word chunks that join back exactly', () => {
    expect(wordChunks('Echo: hello  world ')).toEqual(['Echo:', ' hello', '  world', ' ']);
    expect(wordChunks('Echo: hello  world ').join('')).toBe('Echo: hello  world ');
  });
});
