/**
 * Runs two LLM stubs (no latency, and the bench latency) in their own process, as a remote
 * API would be, so the server's work does not share the client's event loop.
 * Prints one JSON line with their URLs, then serves until stdin closes.
 */
import { startLLMStub } from '../src/testing/index';

const latencyMs = Number(process.argv[2] ?? 200);
const instant = await startLLMStub();
const slow = await startLLMStub({ latencyMs });
process.stdout.write(`${JSON.stringify({ instant: instant.url, slow: slow.url })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([instant.close(), slow.close()]);
  process.exit(0);
});
