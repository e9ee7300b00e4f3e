// Types for node-runtime.mjs, which stays plain JavaScript because it runs under whatever `node` the machine has.
export declare const MIN_NODE: [major: number, minor: number];
export declare const PROVISIONED_NODE_VERSION: string;
export declare const projectRoot: string;
export declare const LAUNCHER_LINK_ENV: 'ASSISTANTS_OTEL_BRIDGE_LAUNCHER_FD';

export declare function isRecentEnough(version?: string): boolean;
export declare function findNode(): string | null;
export declare function provisionNode(): string;
export declare function execWithNode(args: readonly string[], options?: { link?: boolean }): void;
export declare function startedByNpm(env?: NodeJS.ProcessEnv): boolean;
export declare function onParentExit(callback: (pid: number) => void, intervalMs?: number): void;
