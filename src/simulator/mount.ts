// A mount adds an API to the simulator's one server (its routes below the dialect's base path
// and its /_sim control routes), sharing the clock, faults, credentials and request log.
import type { Part } from '../core/lifecycle.js';
import type { ControlContext, ControlResult } from './control.js';
import type { Dialect } from './dialect.js';
import type { RouteMatch } from './routes.js';

/**
 * Started with the simulator; `shutdown` stops at once what the mount runs (timers, outgoing
 * requests), and its promise only settles the rest.
 */
export interface SimulatorMount extends Part {
  /** `path` is below the dialect's base path; null when not this mount's. */
  route(method: string, path: string, dialect: Dialect): RouteMatch | null;
  /** `ctx.path` is below /_sim; null when not this mount's. */
  control?(ctx: ControlContext): ControlResult | null | Promise<ControlResult | null>;
}

export function routeMounted(mounts: readonly SimulatorMount[], method: string, path: string, dialect: Dialect): RouteMatch | null {
  for (const mount of mounts) {
    const match = mount.route(method, path, dialect);
    if (match) return match;
  }
  return null;
}

export async function controlMounted(mounts: readonly SimulatorMount[], ctx: ControlContext): Promise<ControlResult | null> {
  for (const mount of mounts) {
    const result = await mount.control?.(ctx);
    if (result) return result;
  }
  return null;
}
