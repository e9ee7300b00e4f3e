// V8 heap settings for `watch`, a long-running poller that allocates steadily (every poll parses
// a page of JSON). Left to itself V8 sizes for throughput: the young generation grows to two
// 64 MB semi-spaces (Node is built without pointer compression) and the old generation to about
// four times the live heap before a full collection, so `watch` sat at ~480 MB RSS around ~50 MB
// of live objects (bench scale phase, 10,000 runs). Measured with these flags: 179 MB there, and
// the same CPU for a fixed backfill (4,000 runs: 12.7 s vs 12.8 s). Neither flag caps the heap:
// a bigger load only collects more often, it never runs out of room. Plain JavaScript, like
// node-runtime.mjs: it runs under whatever `node` starts the bin.
export const WATCH_V8_FLAGS = Object.freeze([
  // Young generation at most 2 x 8 MB: a scavenge costs what survives it, not the space's size.
  '--max-semi-space-size=8',
  // Next full collection when the heap has grown by half of what survived the last one.
  '--heap-growing-percent=50',
]);

/** `--max_semi_space_size=4` and `--max-semi-space-size` name one V8 flag. */
const flagName = (arg) => arg.split('=')[0].replace(/_/g, '-');

/**
 * The flags the bridge process should get for the CLI arguments `args`: WATCH_V8_FLAGS for
 * `watch`, less any flag the user set already (node's own arguments or NODE_OPTIONS); none for
 * the other commands (`import` is a throughput job, better served by V8's defaults).
 */
export function v8FlagsFor(args, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  if (args[0] !== 'watch') return [];
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter(Boolean).map(flagName));
  return WATCH_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
}
