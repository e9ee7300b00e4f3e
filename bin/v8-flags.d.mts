// Types for v8-flags.mjs, which stays plain JavaScript because it runs under whatever `node` starts the bin.
export declare const WATCH_V8_FLAGS: readonly string[];

export declare function v8FlagsFor(args: readonly string[], execArgv?: readonly string[], nodeOptions?: string): string[];
