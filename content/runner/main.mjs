#!/usr/bin/env node
/**
 * `npm run test:lessons [-- slug…]`: every lesson (or the ones named) against the real agent
 * and real sandboxes. Exits 1 naming each lesson and step that misbehaved.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent } from './agent.mjs';
import { listLessons } from './lessons.mjs';
import { runLessons } from './run.mjs';

const lessonsDir = resolve(process.env.BYHAND_LESSONS_DIR || fileURLToPath(new URL('../lessons', import.meta.url)));
const all = listLessons(lessonsDir);
const asked = process.argv.slice(2);
const unknown = asked.filter((slug) => !all.includes(slug));
if (unknown.length) {
  console.error(`no such lesson: ${unknown.join(', ')} (the lessons are: ${all.join(', ')})`);
  process.exit(2);
}

let agent;
try {
  agent = await startAgent(lessonsDir);
} catch (err) {
  console.error(`lesson runner: cannot start the sandbox agent: ${err.message}`);
  process.exit(1);
}
const started = Date.now();
let failures;
try {
  failures = await runLessons(agent, lessonsDir, asked.length ? asked : all);
} finally {
  await agent.stop();
}
const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
if (failures.length) {
  console.error(`\n${failures.length} lesson(s) failed (${took}):\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log(`\nevery lesson's checks failed before and passed after their solutions (${took})`);
