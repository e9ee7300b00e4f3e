// The Agents API on the simulator's server: its routes below the base path (with their own beta
// header check) and its /_sim/agents control routes, on the shared clock, faults and key.
import type { Clock } from '../clock.js';
import type { SimulatorMount } from '../mount.js';
import { handleAgentsControl } from './control.js';
import { matchAgentsRoute } from './routes.js';
import { AgentsWorld } from './world.js';
import type { AgentsWorldSpec } from './worldgen.js';

export function createAgentsMount(seed: number, clock: Clock, spec: AgentsWorldSpec = {}): { mount: SimulatorMount; world: AgentsWorld } {
  const world = new AgentsWorld(seed, clock, spec);
  return {
    mount: {
      route: (method, path) => matchAgentsRoute(method, path, world),
      control: (ctx) =>
        ctx.path === '/agents' || ctx.path.startsWith('/agents/')
          ? handleAgentsControl({ method: ctx.method, path: ctx.path.slice('/agents'.length) || '/', body: ctx.body, agents: world })
          : null,
      // The world moves with the shared clock; nothing runs on its own.
      start: () => undefined,
      shutdown: () => Promise.resolve(),
    },
    world,
  };
}
