/**
 * The lesson runner itself: it reads checks in page order, and against a real agent and real
 * sandboxes it fails a lesson whose check passes too early, whose solution breaks or whose check
 * still fails after the solution, naming the lesson, the step and the check's output.
 * (`npm run test:lessons` runs it over the course.) Needs root and the lab image.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startAgent } from '../runner/agent.mjs';
import { checkIds } from '../runner/lessons.mjs';
import { runLessons } from '../runner/run.mjs';

test('checks are read in page order, and examples inside code blocks are not checks', () => {
  const mdx = [
    '<Check id="first">a</Check>', '```mdx', '<Check id="example">not a step</Check>', '```',
    'text <Check\n  id="second"\n>b</Check>',
  ].join('\n');
  assert.deepEqual(checkIds(mdx), ['first', 'second']);
});

const lessonsDir = mkdtempSync(join(tmpdir(), 'byhand-runner-test-'));
function lesson(slug, steps) {
  const dir = join(lessonsDir, slug);
  mkdirSync(join(dir, 'checks'), { recursive: true });
  mkdirSync(join(dir, 'solutions'), { recursive: true });
  writeFileSync(join(dir, 'index.mdx'), Object.keys(steps).map((id) => `<Check id="${id}">${id}</Check>`).join('\n\n'));
  for (const [id, { check, solution }] of Object.entries(steps)) {
    writeFileSync(join(dir, 'checks', `${id}.sh`), check);
    writeFileSync(join(dir, 'solutions', `${id}.sh`), solution);
  }
}
const markerCheck = 'test -f /root/marker && { echo "marker found"; exit 0; }; echo "no /root/marker: make it"; exit 1\n';
lesson('01-good', {
  marker: { check: markerCheck, solution: "# a tab\tand a bang! survive typing\necho 'it''s' | tee /root/marker\n" },
  later: { check: 'grep -q later /root/marker || { echo "no later"; exit 1; }\n', solution: 'echo later >> /root/marker\n' },
});
lesson('02-always-passes', { hostname: { check: 'echo "hostname is $(hostname)"\n', solution: 'true\n' } });
lesson('03-solution-fails', { marker: { check: markerCheck, solution: 'echo "cannot do it" >&2; exit 3\n' } });
lesson('04-check-still-fails', { marker: { check: markerCheck, solution: 'touch /root/elsewhere\n' } });

let agent;
before(async () => {
  agent = await startAgent(lessonsDir);
});
after(async () => {
  await agent?.stop();
  rmSync(lessonsDir, { recursive: true, force: true });
});

async function failuresOf(slug) {
  const lines = [];
  const failures = await runLessons(agent, lessonsDir, [slug], (line) => lines.push(line));
  return { failures, lines };
}

test('a lesson whose checks fail before and pass after their solutions passes, with progress per step', async () => {
  const { failures, lines } = await failuresOf('01-good');
  assert.deepEqual(failures, []);
  assert.match(lines.join('\n'), /01-good: 2 checked step\(s\)\n {2}✓ marker .*\n {2}✓ later /);
});

test('a check that passes before its solution fails the lesson, naming the step and the output', async () => {
  const { failures } = await failuresOf('02-always-passes');
  assert.equal(failures.length, 1);
  assert.match(failures[0], /^02-always-passes › hostname: the check passed before its solution ran/);
  assert.match(failures[0], /\| hostname is lab-/);
});

test('a solution that exits non-zero fails the lesson, with what the terminal showed', async () => {
  const { failures } = await failuresOf('03-solution-fails');
  assert.match(failures[0], /^03-solution-fails › marker: the solution exited with status 3/);
  assert.match(failures[0], /cannot do it/);
});

test('a check that still fails after its solution fails the lesson with the check\'s output', async () => {
  const { failures } = await failuresOf('04-check-still-fails');
  assert.match(failures[0], /^04-check-still-fails › marker: the check failed after its solution/);
  assert.match(failures[0], /\| no \/root\/marker: make it/);
});

test('an agent that dies of a signal is stopped all the same, not waited for forever', async () => {
  const other = await startAgent(lessonsDir);
  const died = new Promise((resolve) => {
    const poll = setInterval(() => {
      try {
        process.kill(other.pid, 0);
      } catch {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  process.kill(other.pid, 'SIGSEGV');
  await died;
  // Before the fix, stop() waited for an 'exit' event that had already fired: the runner hung,
  // and with nothing left to wait on, node quit with status 13 and no message.
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('stop() did not return within 10 s')), 10_000).unref());
  await Promise.race([other.stop(), timeout]);
});
