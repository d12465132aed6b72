/**
 * Runs each lesson in a fresh sandbox: for every <Check>, in page order, the check must fail,
 * then the solution runs, then the check must pass. The first failing step ends its lesson
 * (later steps build on its state); the other lessons still run.
 */
import { Sandbox } from './sandbox.mjs';
import { lessonSteps } from './lessons.mjs';

const indent = (text) => (text.trim() || '(no output)').split('\n').map((l) => `      | ${l}`).join('\n');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** One step of one lesson; returns a failure message, or null when it behaved. */
async function runStep(sandbox, step) {
  if (step.solution === null) return `solutions/${step.id}.sh is missing`;
  const before = await sandbox.check(step.id);
  if (before.ok) return `the check passed before its solution ran (a check that cannot fail proves nothing):\n${indent(before.message)}`;
  const started = Date.now();
  const solution = await sandbox.type(step.solution);
  if (solution.status !== 0) return `the solution exited with status ${solution.status}; the terminal showed:\n${indent(solution.output)}`;
  const after = await sandbox.check(step.id);
  if (!after.ok) return `the check failed after its solution (${seconds(Date.now() - started)}):\n${indent(after.message)}`;
  return null;
}

/** Runs one lesson; returns its failures as "lesson › step: why". */
async function runLesson(agent, lessonsDir, slug, log) {
  const steps = lessonSteps(lessonsDir, slug);
  log(`${slug}: ${steps.length} checked step(s)`);
  if (steps.length === 0) return [];
  const started = Date.now();
  let sandbox;
  try {
    sandbox = await Sandbox.open(agent, slug);
  } catch (err) {
    return [`${slug}: no sandbox: ${err.message}\nthe agent's last log lines:\n${indent(agent.logs.slice(-10).join('\n'))}`];
  }
  try {
    for (const step of steps) {
      const t0 = Date.now();
      let failure;
      try {
        failure = await runStep(sandbox, step);
      } catch (err) {
        failure = err.message;
      }
      if (failure) {
        log(`  ✗ ${step.id}: ${failure}`);
        return [`${slug} › ${step.id}: ${failure}`];
      }
      log(`  ✓ ${step.id} (failed before, passed after its solution; ${seconds(Date.now() - t0)})`);
    }
    log(`  ${slug} passed in ${seconds(Date.now() - started)}`);
    return [];
  } finally {
    await sandbox.close();
  }
}

/** Runs `slugs` one after another (two cores in CI); resolves with every failure. */
export async function runLessons(agent, lessonsDir, slugs, log = console.log) {
  const failures = [];
  for (const slug of slugs) failures.push(...(await runLesson(agent, lessonsDir, slug, log)));
  return failures;
}
