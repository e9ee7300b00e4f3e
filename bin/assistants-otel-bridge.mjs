#!/usr/bin/env node
// The CLI entry point: runs in-process on Node >= 22.15, else re-runs itself under the provisioned Node 24.
import { execWithNode, isRecentEnough } from './node-runtime.mjs';

if (isRecentEnough()) {
  await import('../dist/cli/main.js');
} else {
  execWithNode([new URL('../dist/cli/main.js', import.meta.url).pathname, ...process.argv.slice(2)]);
}
