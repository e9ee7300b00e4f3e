#!/usr/bin/env node
// The CLI entry point: runs in-process on Node >= 22.15, else runs the CLI under the provisioned
// Node 24 as its child, linked to it (see execWithNode): the child stops when this launcher goes.
// `watch` gets the V8 heap flags of v8-flags.mjs, which only take effect at process start: the
// process replaces itself once with them (process.execve keeps the pid, stdio and signals).
import { fileURLToPath } from 'node:url';
import { execWithNode, isRecentEnough, onParentExit, startedByNpm } from './node-runtime.mjs';
import { v8FlagsFor } from './v8-flags.mjs';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const args = process.argv.slice(2);
const flags = v8FlagsFor(args);

if (!isRecentEnough()) {
  execWithNode([...flags, main, ...args], { link: true });
} else {
  if (flags.length > 0 && typeof process.execve === 'function' && process.platform !== 'win32') {
    try {
      process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, main, ...args]);
    } catch {
      // Not available here: run with V8's defaults rather than not at all.
    }
  }
  if (startedByNpm()) {
    // npm's shell died of the SIGTERM npm handed it: stop as if the SIGTERM had come here.
    onParentExit((parent) => {
      process.stderr.write(`assistants-otel-bridge: the process that started it (pid ${parent}, npm's shell) exited; stopping\n`);
      process.kill(process.pid, 'SIGTERM');
    });
  }
  await import('../dist/cli/main.js');
}
