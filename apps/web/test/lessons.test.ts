import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderToStaticMarkup } from 'react-dom/server';
import { createElement } from 'react';
import { mdxComponents } from '../components/mdx';
import { LessonError, lessonsDir, listLessons, neighbours, readLesson } from '../lib/lessons';
import { compileLesson } from '../lib/mdx';
import { mdxComponent } from '../lib/mdx-component';

const frontmatter = (fields: Record<string, string>) =>
  `---\n${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n---\n\nBody.\n`;

const complete = (order: number, title: string) =>
  frontmatter({ title, summary: `About ${title}.`, order: String(order), duration: '10 min', objectives: `["Do ${title}"]` });

describe('lesson loader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'byhand-lessons-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function writeLesson(root: string, slug: string, text: string) {
    await mkdir(path.join(root, slug), { recursive: true });
    await writeFile(path.join(root, slug, 'index.mdx'), text);
  }

  test('lists lessons by frontmatter order, not by folder name', async () => {
    const root = path.join(dir, 'ordered');
    await writeLesson(root, 'a-late', complete(3, 'Late'));
    await writeLesson(root, 'z-early', complete(1, 'Early'));
    await writeLesson(root, 'm-middle', complete(2, 'Middle'));
    const lessons = await listLessons(root);
    assert.deepEqual(
      lessons.map((l) => [l.order, l.slug, l.title]),
      [
        [1, 'z-early', 'Early'],
        [2, 'm-middle', 'Middle'],
        [3, 'a-late', 'Late'],
      ],
    );
    assert.deepEqual(lessons[0]?.objectives, ['Do Early']);
    assert.deepEqual(lessons[0]?.terminals, ['Terminal'], 'one terminal unless the frontmatter lists more');
    const { prev, next } = neighbours(lessons, 'm-middle');
    assert.equal(prev?.slug, 'z-early');
    assert.equal(next?.slug, 'a-late');
  });

  test('rejects a lesson with missing frontmatter, naming the file and the fields', async () => {
    const root = path.join(dir, 'missing');
    await writeLesson(root, '01-good', complete(1, 'Good'));
    await writeLesson(root, '02-bad', frontmatter({ title: 'Bad', order: '2' }));
    await assert.rejects(listLessons(root), (err: Error) => {
      assert.ok(err instanceof LessonError);
      assert.match(err.message, /02-bad[/\\]index\.mdx/);
      assert.match(err.message, /"summary"/);
      assert.match(err.message, /"duration"/);
      assert.match(err.message, /"objectives"/);
      assert.doesNotMatch(err.message, /"title"/);
      return true;
    });
  });

  test('rejects two lessons with the same order, naming both', async () => {
    const root = path.join(dir, 'clash');
    await writeLesson(root, '01-one', complete(1, 'One'));
    await writeLesson(root, '01-also', complete(1, 'Also'));
    await assert.rejects(listLessons(root), /01-(one|also)[/\\]index\.mdx and .*01-(one|also)[/\\]index\.mdx both have order: 1/);
  });

  test('rejects a lesson folder without index.mdx', async () => {
    const root = path.join(dir, 'empty');
    await mkdir(path.join(root, '03-draft'), { recursive: true });
    await assert.rejects(listLessons(root), /03-draft[/\\]index\.mdx: missing/);
  });

  test('readLesson returns null for unknown or malformed slugs', async () => {
    const root = path.join(dir, 'ordered');
    assert.equal(await readLesson('nope', root), null);
    assert.equal(await readLesson('../ordered/a-late', root), null);
    assert.equal((await readLesson('a-late', root))?.meta.title, 'Late');
  });
});

describe('the course in content/lessons', () => {
  test('every lesson compiles and renders with the site components', async () => {
    const lessons = await listLessons(lessonsDir());
    assert.ok(lessons.length > 0, 'content/lessons should hold at least one lesson');
    for (const meta of lessons) {
      const lesson = await readLesson(meta.slug);
      assert.ok(lesson, `${meta.slug} should be readable`);
      const Content = mdxComponent((await compileLesson(lesson)).code);
      const html = renderToStaticMarkup(createElement(Content, { components: mdxComponents }));
      assert.ok(html.length > 500, `${meta.slug} renders to almost nothing`);
    }
  });

  test('lesson 2 teaches UTS and PID namespaces with runnable steps', async () => {
    const lesson = await readLesson('02-namespaces');
    assert.ok(lesson, 'content/lessons/02-namespaces/index.mdx should exist');
    assert.equal(lesson.meta.order, 2);
    assert.deepEqual(lesson.meta.checks, ['uts-island', 'pid-one', 'private-mount', 'ipc-queue', 'all-at-once']);
    assert.deepEqual(lesson.meta.terminals, ['shell', 'second shell']);
    const Content = mdxComponent((await compileLesson(lesson)).code);
    const html = renderToStaticMarkup(createElement(Content, { components: mdxComponents }));
    const steps = [...html.matchAll(/data-step-command="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
    assert.ok(steps.includes(`unshare --uts sh -c 'hostname inside; hostname'`), 'the UTS demo is a Step');
    assert.ok(steps.includes(`unshare --pid --fork --mount-proc sh -c 'echo $$; ps -ef'`), 'the PID demo is a Step');
    assert.ok(steps.includes('ls -l /proc/self/ns'));
    assert.ok(steps.some((s) => s.startsWith('lsns')));
    assert.ok(steps.some((s) => s.startsWith('nsenter')));
    assert.ok(steps.some((s) => s.startsWith('unshare --mount')));
    for (const heading of ['Recap', 'What Docker does here']) assert.match(html, new RegExp(`<h2 id="[a-z-]+">${heading}</h2>`));
    for (const flag of ['CLONE_NEWNS', 'CLONE_NEWUTS', 'CLONE_NEWIPC', 'CLONE_NEWPID', 'CLONE_NEWNET', 'CLONE_NEWUSER']) {
      assert.match(html, new RegExp(flag), `the namespace table lists ${flag}`);
    }
  });
});

function unescapeHtml(s: string): string {
  return s.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
