import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { mdxComponents } from '../components/mdx';
import { formatProblem, lintCourse } from '../lib/content/lint';
import { lessonsDir } from '../lib/lessons';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Diagram } from '../components/mdx/Diagram';
import { COMPONENTS, DIAGRAMS } from '../lib/content/vocabulary';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'lint-course');
const lines = () => lintCourse(fixtures).map((p) => formatProblem(p, fixtures));

describe('content linter', () => {
  test('a correct lesson has no problems', () => {
    assert.deepEqual(lines().filter((l) => l.startsWith('01-good')), []);
  });

  test('names file and line for a bad frontmatter field, an unknown one and a missing check script', () => {
    const found = lines();
    assert.ok(found.includes(`02-broken/index.mdx:4: "order" must be a whole number giving the lesson's place in the course (e.g. order: 2), got "two"`), found.join('\n'));
    assert.ok(found.some((l) => l.startsWith('02-broken/index.mdx:8: unknown frontmatter field "titel"')), found.join('\n'));
    assert.ok(found.some((l) => l.startsWith('02-broken/index.mdx:17: <Check id="no-script"> has no checks/no-script.sh')), found.join('\n'));
    assert.ok(!found.some((l) => l.includes('solutions/no-script.sh')), 'the solution exists');
    assert.ok(found.some((l) => l.startsWith('02-broken/checks/left-over.sh:1: no <Check id="left-over">')), found.join('\n'));
  });

  test('names file and line for dead links and images', () => {
    const found = lines();
    for (const expected of [
      '02-broken/index.mdx:13: dead link /lessons/03-missing: there is no lesson "03-missing"',
      '02-broken/index.mdx:13: dead link #nowhere: no heading in this lesson has that anchor',
      '02-broken/index.mdx:13: dead link ./notes.md: no such file in 02-broken/',
      '02-broken/index.mdx:15: image https://example.org/cat.png is not in the lesson folder',
    ]) {
      assert.ok(found.some((l) => l.startsWith(expected)), `expected "${expected}" in:\n${found.join('\n')}`);
    }
  });

  test('names unknown components and terminals the lesson does not have', () => {
    const found = lines();
    assert.ok(found.some((l) => l.startsWith('02-broken/index.mdx:19: <Step terminal="2"> names no terminal: this lesson has 1')), found.join('\n'));
    assert.ok(found.some((l) => l.startsWith('02-broken/index.mdx:21: <Terminal> is not a course component')), found.join('\n'));
    assert.ok(found.some((l) => l.startsWith('02-broken/index.mdx:23: <Stepper> needs the command it steps through, a byhand run --step')), found.join('\n'));
  });

  test('the course itself passes', () => {
    assert.deepEqual(lintCourse(lessonsDir()).map((p) => formatProblem(p)), []);
  });

  test('npm run lint:content exits 1 and prints file:line for a broken course', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lint-content.ts', fixtures], {
      cwd: path.join(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /lint-course[/\\]02-broken[/\\]index\.mdx:4: "order" must be a whole number/);
    assert.match(r.stderr, /problems in /);
  });

  test('the linter knows exactly the components lessons get', () => {
    assert.deepEqual([...COMPONENTS].sort(), Object.keys(mdxComponents).sort());
  });

  test('every diagram the linter accepts renders as a labelled SVG', () => {
    for (const name of DIAGRAMS) {
      const html = renderToStaticMarkup(createElement(Diagram, { name }));
      assert.match(html, /<svg[^>]+role="img"[^>]+aria-labelledby="diagram-[a-z]+-title"/, name);
      assert.match(html, /<title id="diagram-[a-z]+-title">[^<]{10,}<\/title>/, name);
    }
  });
});
