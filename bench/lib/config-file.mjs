// Writes a bridge config file (JSON, which the config loader reads by its extension).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeWatchConfig(dir, watch) {
  const path = join(dir, 'bridge.json');
  writeFileSync(path, JSON.stringify({ watch }));
  return path;
}
