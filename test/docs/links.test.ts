// The repository explains itself: every link in its Markdown files leads to a file in it, and no
// document points at a design document that is not part of it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

const SKIP = new Set(['node_modules', '.git', '.tools', 'dist', 'data']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Link targets outside code: `[text](target)` and `[text]: target`. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => (m[1] ?? m[2]) as string);
}

const files = markdownFiles(REPO);

describe('documentation links', () => {
  it('finds the documents', () => {
    expect(files.map((f) => relative(REPO, f))).toEqual(
      expect.arrayContaining(['README.md', 'BENCHMARKS.md', join('examples', 'README.md')]),
    );
  });

  it.each(files.map((f) => [relative(REPO, f), f]))('%s links only to files in the repository', (_name, file) => {
    const broken = linksOf(readFileSync(file, 'utf8'))
      .filter((target) => !/^(https?:|mailto:|#)/.test(target))
      .map((target) => decodeURIComponent(target.split('#')[0] as string))
      .filter((target) => {
        const path = resolve(dirname(file), target);
        return relative(REPO, path).startsWith('..') || !existsSync(path);
      });
    expect(broken).toEqual([]);
  });

  it.each(files.map((f) => [relative(REPO, f), f]))('%s does not point at DESIGN.md, which is not in the repository', (_name, file) => {
    expect(existsSync(join(REPO, 'DESIGN.md'))).toBe(false);
    expect(readFileSync(file, 'utf8')).not.toMatch(/DESIGN(\.md)?\b/);
  });
});
