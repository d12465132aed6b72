/**
 * Finds the course's lessons on disk and reads their frontmatter.
 * A lesson is content/lessons/<slug>/index.mdx; its folder name is its URL slug.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import { checkIds } from './content/scan';

export interface LessonMeta {
  slug: string;
  title: string;
  summary: string;
  order: number;
  duration: string;
  objectives: string[];
  /** The terminal tabs' labels: one shell each, all in the same sandbox. */
  terminals: string[];
  /** The ids of the lesson's <Check>s, in order. */
  checks: string[];
}

export const MAX_TERMINALS = 4;

export interface LessonSource {
  meta: LessonMeta;
  /** Absolute path of the lesson's index.mdx. */
  file: string;
  /** The whole file, frontmatter included (bundleMDX parses it again). */
  source: string;
}

/** A lesson file that cannot be used; the message names the file and what to fix. */
export class LessonError extends Error {
  override name = 'LessonError';
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

export function isLessonSlug(value: string): boolean {
  return SLUG.test(value) && value.length <= 64;
}

/**
 * content/lessons, found from BYHAND_LESSONS_DIR or by walking up from the working directory
 * (apps/web under `next build`/`next start`, the repository root under tests).
 */
export function lessonsDir(): string {
  if (process.env.BYHAND_LESSONS_DIR) return path.resolve(process.env.BYHAND_LESSONS_DIR);
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'content', 'lessons');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new LessonError(
    `Could not find content/lessons in ${process.cwd()} or any folder above it. ` +
      'Run the site from inside the repository, or set BYHAND_LESSONS_DIR to the lessons folder.',
  );
}

/** Every lesson, sorted by frontmatter `order`. Throws LessonError on the first bad lesson. */
export async function listLessons(dir: string = lessonsDir()): Promise<LessonMeta[]> {
  // Read at run time from the repository, not bundled: keep the bundler from tracing it.
  const entries = await readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true });
  const slugs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const lessons = await Promise.all(slugs.map(async (slug) => (await readLessonFile(dir, slug)).meta));
  lessons.sort((a, b) => a.order - b.order);
  assertUniqueOrder(lessons, dir);
  return lessons;
}

/** One lesson's source, or null when no lesson has that slug. */
export async function readLesson(slug: string, dir: string = lessonsDir()): Promise<LessonSource | null> {
  if (!isLessonSlug(slug) || !existsSync(path.join(dir, slug, 'index.mdx'))) return null;
  return readLessonFile(dir, slug);
}

/** The lessons just before and after `slug` in course order. */
export function neighbours(lessons: LessonMeta[], slug: string): { prev?: LessonMeta; next?: LessonMeta } {
  const i = lessons.findIndex((l) => l.slug === slug);
  if (i < 0) return {};
  return { prev: lessons[i - 1], next: lessons[i + 1] };
}

async function readLessonFile(dir: string, slug: string): Promise<LessonSource> {
  const file = path.join(dir, slug, 'index.mdx');
  const shown = displayPath(file);
  if (!isLessonSlug(slug)) {
    throw new LessonError(`${path.join(dir, slug)}: lesson folder names must be lowercase letters, digits and dashes (e.g. 02-namespaces)`);
  }
  let source: string;
  try {
    source = await readFile(/*turbopackIgnore: true*/ file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LessonError(`${shown}: missing. Every folder in content/lessons needs an index.mdx.`);
    }
    throw err;
  }
  let data: unknown;
  try {
    data = matter(source).data;
  } catch (err) {
    throw new LessonError(`${shown}: the frontmatter is not valid YAML: ${(err as Error).message}`);
  }
  let checks: string[];
  try {
    checks = checkIds(source);
  } catch (err) {
    throw new LessonError(`${shown}: the MDX does not parse: ${(err as Error).message}`);
  }
  return { meta: { slug, ...parseFrontmatter(data, shown), checks }, file, source };
}

/** Checks the frontmatter fields every lesson needs; `file` only appears in error messages. */
export function parseFrontmatter(data: unknown, file: string): Omit<LessonMeta, 'slug' | 'checks'> {
  const fm = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const text = (key: string, example: string): string => {
    const v = fm[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    problems.push(`"${key}" must be a non-empty string (e.g. ${key}: ${example})`);
    return '';
  };
  const title = text('title', 'Namespaces');
  const summary = text('summary', 'One sentence on what the learner will do.');
  const duration = text('duration', '20 min');
  const order = fm.order;
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0) {
    problems.push('"order" must be a whole number giving the lesson\'s place in the course (e.g. order: 2)');
  }
  const objectives = fm.objectives;
  const objectivesOk =
    Array.isArray(objectives) && objectives.length > 0 && objectives.every((o) => typeof o === 'string' && o.trim() !== '');
  if (!objectivesOk) {
    problems.push('"objectives" must be a list of at least one sentence (e.g. objectives: ["Change the hostname in a UTS namespace"])');
  }
  const terminals = fm.terminals ?? ['Terminal'];
  const terminalsOk =
    Array.isArray(terminals) &&
    terminals.length >= 1 &&
    terminals.length <= MAX_TERMINALS &&
    terminals.every((t) => typeof t === 'string' && t.trim() !== '' && t.length <= 30);
  if (!terminalsOk) {
    problems.push(`"terminals", when given, must list 1 to ${MAX_TERMINALS} short tab labels (e.g. terminals: ["sandbox", "host view"])`);
  }
  if (problems.length > 0) {
    throw new LessonError(`${file}: bad frontmatter:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    title,
    summary,
    duration,
    order: order as number,
    objectives: (objectives as string[]).map((o) => o.trim()),
    terminals: (terminals as string[]).map((t) => t.trim()),
  };
}

function assertUniqueOrder(sorted: LessonMeta[], dir: string): void {
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.order === b.order) {
      throw new LessonError(
        `${displayPath(path.join(dir, a.slug, 'index.mdx'))} and ${displayPath(path.join(dir, b.slug, 'index.mdx'))} ` +
          `both have order: ${a.order}; give each lesson its own place in the course.`,
      );
    }
  }
}

/** Paths relative to the working directory read better in build logs. */
function displayPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}
