// Writes the bench's parts of BENCHMARKS.md without touching anything else in the file: each
// part lives between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`, and only those
// regions are replaced. Text outside them (notes written by hand, the soak's
// `<!-- soak:start -->` section) stays as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const block = (name, text) => `<!-- bench:${name}:start -->\n${text.trim()}\n<!-- bench:${name}:end -->`;
const region = (name) => new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*?<!-- bench:${name}:end -->`);

/** `parts`: [name, markdown] in file order. */
export function writeReport(path, parts) {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (old !== '' && parts.every(([name]) => region(name).test(old))) {
    let text = old;
    for (const [name, markdown] of parts) text = text.replace(region(name), () => block(name, markdown));
    writeFileSync(path, text);
    return;
  }
  // No regions of ours yet: our parts first, then any other tool's marked sections from the old file.
  const others = old.match(/<!-- (?!bench:)([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g) ?? [];
  writeFileSync(path, `${[...parts.map(([name, markdown]) => block(name, markdown)), ...others].join('\n\n')}\n`);
}
