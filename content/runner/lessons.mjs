/** The course as the runner sees it: lesson folders, and the ids of their <Check>s in page order. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fenced code blocks show MDX as text (an example <Check> in a lesson is not one of its steps). */
const FENCE = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm;
const CHECK = /<Check\b[^>]*?\bid="([^"]+)"/g;

/** The ids of a lesson's checks, in the order the page shows them. */
export function checkIds(mdx) {
  return [...mdx.replace(FENCE, '').matchAll(CHECK)].map((m) => m[1]);
}

/** Every lesson folder (those with an index.mdx), in course order (folder names start with the number). */
export function listLessons(lessonsDir) {
  return readdirSync(lessonsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(lessonsDir, e.name, 'index.mdx')))
    .map((e) => e.name)
    .sort();
}

/** A lesson's steps: each check id with its solution script (null when the file is missing). */
export function lessonSteps(lessonsDir, slug) {
  const dir = join(lessonsDir, slug);
  return checkIds(readFileSync(join(dir, 'index.mdx'), 'utf8')).map((id) => {
    const solution = join(dir, 'solutions', `${id}.sh`);
    return { id, solution: existsSync(solution) ? readFileSync(solution, 'utf8') : null };
  });
}
