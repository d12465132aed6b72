/**
 * The content linter: everything about the course that can be checked without a sandbox.
 * Each problem names a file and a line, so an instructor can jump straight to it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { isLessonSlug } from '../lessons';
import { lintFrontmatter } from './frontmatter';
import { scanLesson, type ComponentUse, type LessonScan } from './scan';
import { CHECK_ID, COMPONENTS, DIAGRAMS } from './vocabulary';
import { findSource, SOURCE_ROOTS } from '../source';

export interface Problem {
  /** Absolute path. */
  file: string;
  line: number;
  message: string;
}

/** Every problem in every lesson under `lessonsDir`, in file order. */
export function lintCourse(lessonsDir: string): Problem[] {
  if (!existsSync(lessonsDir)) return [{ file: lessonsDir, line: 1, message: 'the lessons folder does not exist' }];
  const slugs = readdirSync(lessonsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const problems: Problem[] = [];
  const orders = new Map<number, string>();
  for (const slug of slugs) {
    const { problems: found, order } = lintLesson(lessonsDir, slug, slugs);
    problems.push(...found);
    if (order === undefined) continue;
    const other = orders.get(order);
    if (other) problems.push({ file: path.join(lessonsDir, slug, 'index.mdx'), line: 1, message: `order: ${order} is also the order of ${other}; give each lesson its own place` });
    else orders.set(order, slug);
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

export function formatProblem(p: Problem, cwd: string = process.cwd()): string {
  return `${path.relative(cwd, p.file) || p.file}:${p.line}: ${p.message}`;
}

function lintLesson(lessonsDir: string, slug: string, slugs: string[]): { problems: Problem[]; order?: number } {
  const dir = path.join(lessonsDir, slug);
  const file = path.join(dir, 'index.mdx');
  const problems: Problem[] = [];
  const report = (line: number, message: string, at: string = file) => problems.push({ file: at, line, message });
  if (!isLessonSlug(slug)) report(1, `the folder name "${slug}" must be lowercase letters, digits and dashes, like 02-namespaces`, dir);
  if (!existsSync(file)) {
    report(1, 'missing: every lesson folder needs an index.mdx', file);
    return { problems };
  }
  const source = readFileSync(file, 'utf8');
  const fm = lintFrontmatter(source);
  for (const p of fm.problems) report(p.line, p.message);
  if (fm.image && !isLocalFile(dir, fm.image.path)) report(fm.image.line, `"image" ${fm.image.path} is not a file in the lesson folder`);

  let scan: LessonScan;
  try {
    scan = scanLesson(source);
  } catch (err) {
    const e = err as { line?: number; reason?: string; message: string };
    report(e.line ?? 1, `the MDX does not parse: ${e.reason ?? e.message}`);
    return { problems, order: fm.order };
  }
  const usedChecks = new Set<string>();
  for (const use of scan.components) lintComponent(use, { dir, terminals: fm.terminals, usedChecks, report });
  lintOrphanScripts(dir, usedChecks, report);
  lintReferences(scan, { dir, slugs, report });
  return { problems, order: fm.order };
}

type Report = (line: number, message: string, file?: string) => void;

function lintComponent(use: ComponentUse, ctx: { dir: string; terminals: number; usedChecks: Set<string>; report: Report }): void {
  const { name, attributes: a, line } = use;
  const { report } = ctx;
  // Lowercase tags are HTML; capitalised ones must be the course's components.
  if (!/^[A-Z]/.test(name)) return;
  if (!(COMPONENTS as readonly string[]).includes(name)) {
    report(line, `<${name}> is not a course component; use one of ${COMPONENTS.map((c) => `<${c}>`).join(', ')}`);
    return;
  }
  if (name === 'Check') {
    const id = a.id;
    if (!id || !CHECK_ID.test(id)) {
      report(line, '<Check> needs an id of lowercase letters, digits and dashes, like <Check id="uts-hostname">');
      return;
    }
    if (ctx.usedChecks.has(id)) report(line, `<Check id="${id}"> appears twice; each check needs its own id`);
    ctx.usedChecks.add(id);
    for (const folder of ['checks', 'solutions']) {
      if (!existsSync(path.join(ctx.dir, folder, `${id}.sh`))) {
        report(line, `<Check id="${id}"> has no ${folder}/${id}.sh; add the script that ${folder === 'checks' ? 'verifies the sandbox (exit 0 passes, its output is the hint)' : 'does the step, so the lesson runner can prove the check passes'}`);
      }
    }
  }
  if (name === 'Step') {
    if (!a.command) report(line, '<Step> needs a command, like <Step command="hostname" />');
    if (a.terminal !== undefined && !(a.terminal !== null && /^\d+$/.test(a.terminal) && Number(a.terminal) >= 1 && Number(a.terminal) <= ctx.terminals)) {
      report(line, `<Step terminal="${a.terminal ?? '…'}"> names no terminal: this lesson has ${ctx.terminals} (list more in the frontmatter's "terminals")`);
    }
  }
  if (name === 'Stepper') {
    if (!/\bbyhand\b.*\brun\b.*--step\b/.test(a.command ?? '')) {
      report(line, '<Stepper> needs the command it steps through, a byhand run --step, like <Stepper command="byhand run --step --rm -it busybox sh" />');
    }
    if (a.diagram !== undefined && a.diagram !== 'docker-run') report(line, `<Stepper diagram="${a.diagram ?? ''}"> can only highlight the docker-run diagram`);
  }
  if (name === 'Diagram' && !(DIAGRAMS as readonly string[]).includes(a.name ?? '')) {
    report(line, `<Diagram name="${a.name ?? ''}"> is not a diagram; use one of ${DIAGRAMS.join(', ')}`);
  }
  if (name === 'Quiz' && (!a.question || !('options' in a) || !('answer' in a))) {
    report(line, '<Quiz> needs question="…", options={[…]} and answer={index of the right option}');
  }
}

function lintOrphanScripts(dir: string, used: Set<string>, report: Report): void {
  for (const folder of ['checks', 'solutions']) {
    const scripts = path.join(dir, folder);
    if (!existsSync(scripts)) continue;
    for (const f of readdirSync(scripts)) {
      const id = f.replace(/\.sh$/, '');
      if (!f.endsWith('.sh')) report(1, `${folder}/ holds only <id>.sh scripts`, path.join(scripts, f));
      else if (!used.has(id)) report(1, `no <Check id="${id}"> in index.mdx uses this script (a typo in the id?)`, path.join(scripts, f));
    }
  }
}

function lintReferences(scan: LessonScan, ctx: { dir: string; slugs: string[]; report: Report }): void {
  const slugger = new GithubSlugger();
  const anchors = new Set(scan.headings.map((h) => slugger.slug(h)));
  for (const ref of scan.references) {
    const { url, line } = ref;
    if (ref.kind === 'image') {
      if (/^[a-z]+:/i.test(url) || url.startsWith('//')) {
        ctx.report(line, `image ${url} is not in the lesson folder: pages must not load anything from outside the classroom server`);
      } else if (!isLocalFile(ctx.dir, url)) {
        ctx.report(line, `image ${url} does not exist in ${path.basename(ctx.dir)}/`);
      }
      continue;
    }
    if (/^(https?:|mailto:)/i.test(url)) continue;
    if (url.startsWith('#')) {
      if (!anchors.has(decodeURIComponent(url.slice(1)))) ctx.report(line, `dead link ${url}: no heading in this lesson has that anchor`);
      continue;
    }
    const lesson = /^\/lessons\/([^/#?]+)\/?(?:[#?].*)?$/.exec(url);
    if (lesson) {
      if (!ctx.slugs.includes(lesson[1]!)) ctx.report(line, `dead link ${url}: there is no lesson "${lesson[1]}"`);
      continue;
    }
    if (url === '/') continue;
    const source = /^\/source\/([^#?]+)(?:[#?].*)?$/.exec(url);
    if (source) {
      if (!findSource(decodeURIComponent(source[1]!))) ctx.report(line, `dead link ${url}: the site serves no such source file or folder (it serves ${SOURCE_ROOTS.join(', ')})`);
      continue;
    }
    if (url.startsWith('/') || /^[a-z]+:/i.test(url)) {
      ctx.report(line, `dead link ${url}: link to "/", "/lessons/<slug>", "/source/<file in the runtime>", a "#heading", a file in the lesson folder or an http(s) address`);
      continue;
    }
    if (!isLocalFile(ctx.dir, url.split(/[#?]/)[0]!)) ctx.report(line, `dead link ${url}: no such file in ${path.basename(ctx.dir)}/`);
  }
}

/** A relative path that stays inside the lesson folder and names a file. */
function isLocalFile(dir: string, rel: string): boolean {
  const target = path.resolve(dir, decodeURIComponent(rel));
  if (!target.startsWith(dir + path.sep)) return false;
  try {
    return statSync(target).isFile();
  } catch {
    return false;
  }
}
