#!/usr/bin/env node
// Clears the previous run's test counts and coverage so the summary only reports this run.
import { rmSync } from 'node:fs';

rmSync(new URL('../test-results/', import.meta.url), { recursive: true, force: true });
for (const pkg of ['engine', 'server-adapter', 'react-editor']) {
  rmSync(new URL(`../packages/${pkg}/coverage/`, import.meta.url), {
    recursive: true,
    force: true,
  });
}
