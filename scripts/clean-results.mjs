#!/usr/bin/env node
// Clears the previous run's test counts so the summary only adds up this run.
import { rmSync } from 'node:fs';

rmSync(new URL('../test-results/', import.meta.url), { recursive: true, force: true });
