#!/usr/bin/env node
// The CLI entry point: runs in-process on Node >= 22.15, else re-runs itself under the provisioned Node 24.
// `watch` gets the V8 heap flags of v8-flags.mjs, which only take effect at process start: the
// process replaces itself once with them (process.execve keeps the pid, stdio and signals).
import { fileURLToPath } from 'node:url';
import { execWithNode, isRecentEnough } from './node-runtime.mjs';
import { v8FlagsFor } from './v8-flags.mjs';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const args = process.argv.slice(2);
const flags = v8FlagsFor(args);

if (!isRecentEnough()) {
  execWithNode([...flags, main, ...args]);
} else {
  if (flags.length > 0 && typeof process.execve === 'function' && process.platform !== 'win32') {
    try {
      process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, main, ...args]);
    } catch {
      // Not available here: run with V8's defaults rather than not at all.
    }
  }
  await import('../dist/cli/main.js');
}
