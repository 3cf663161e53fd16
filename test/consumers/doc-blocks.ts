import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A TypeScript block of the documentation, as a file of its page. */
export interface DocBlock {
  /** The page it is on, without `.md` (`README`, `a2a`, …). */
  page: string;
  /** Its file name: the block's `title=`, else `block-<n>.ts`. */
  file: string;
  code: string;
}

const BLOCK = /^```ts([^\n]*)\n([\s\S]*?)^```/gm;

/**
 * Every TypeScript block of README.md and docs/*.md but those marked `fragment` (```ts
 * fragment), which the pages keep for one-line changes shown in context. A block titled
 * (```ts title=trip.agent.ts) is a file the page's other blocks import (`./trip.agent.js`).
 */
export function docBlocks(root: string): DocBlock[] {
  const pages = [
    join(root, 'README.md'),
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(root, 'docs', f)),
  ];
  return pages.flatMap((path) => {
    const page = basename(path, '.md');
    return [...readFileSync(path, 'utf8').matchAll(BLOCK)]
      .map((match, i) => ({ info: match[1]!, code: match[2]!, i }))
      .filter(({ info }) => !/\bfragment\b/.test(info))
      .map(({ info, code, i }) => ({
        page,
        file: /\btitle=(\S+\.ts)\b/.exec(info)?.[1] ?? `block-${i}.ts`,
        code,
      }));
  });
}
