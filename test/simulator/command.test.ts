import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SimulateUsageError, simulateCommand, simulatorCommandOptions } from '../../src/simulator/command.js';

describe('simulate command', () => {
  it('prints one line with the base URL and key, serves, and stops on SIGTERM', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    const handle = await simulateCommand(
      { port: '0', seed: '5', speed: '0', runs: '12', live: '2', apiKey: 'sk-test-key' },
      { write: (l) => lines.push(l), signals },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(handle.simulator.url);
    expect(lines[0]).toContain('sk-test-key');
    const health = await fetch(`${handle.simulator.origin}/_sim/health`);
    expect(await health.json()).toMatchObject({ ok: true, runs: 10, pending: 2 });
    signals.emit('SIGTERM');
    await handle.stopped;
    await expect(fetch(`${handle.simulator.origin}/_sim/health`)).rejects.toThrow();
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('rejects bad flags naming the flag', async () => {
    const io = { write: () => undefined, signals: new EventEmitter() };
    await expect(simulateCommand({ port: 0, runs: 'many' }, io)).rejects.toThrow(/--runs/);
    await expect(simulateCommand({ port: 0, runs: 3, live: 5 }, io)).rejects.toBeInstanceOf(SimulateUsageError);
    await expect(simulateCommand({ port: 0, speed: '-2' }, io)).rejects.toThrow(/--speed/);
  });

  it('describes its flags for the CLI', () => {
    const flags = simulatorCommandOptions.map((o) => o.flags.split(' ')[0]);
    expect(flags).toEqual(expect.arrayContaining(['--port', '--seed', '--speed', '--runs', '--api-key']));
  });
});
