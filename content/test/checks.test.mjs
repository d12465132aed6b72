/**
 * Every check of every lesson fails in a fresh set of namespaces and passes once its solution
 * ran there. The namespaces come from util-linux's unshare (a test fixture standing in for a
 * sandbox: new user, mount, PID, UTS and IPC namespaces with a fresh /proc), so this needs
 * root or unprivileged user namespaces, but no agent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const lessons = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lessons');

const SANDBOX = ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--mount-proc', '--uts', '--ipc'];

/** Runs the check, the solution, then the check again in one fresh sandbox. */
function checkSolutionCheck(check, solution) {
  const script = `sh "$1"; echo "before=$?"; sh "$2" >/dev/null 2>&1; sh "$1"; echo "after=$?"`;
  const r = spawnSync('unshare', [...SANDBOX, 'sh', '-c', script, 'sh', check, solution], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || /unshare: /.test(r.stderr)) {
    throw new Error(`could not make namespaces with unshare (needs root or unprivileged user namespaces): ${r.error?.message ?? r.stderr}`);
  }
  return r.stdout;
}

for (const slug of readdirSync(lessons)) {
  const checks = path.join(lessons, slug, 'checks');
  if (!existsSync(checks)) continue;
  for (const file of readdirSync(checks).filter((f) => f.endsWith('.sh'))) {
    test(`${slug}: check ${file} fails before its solution and passes after`, () => {
      const solution = path.join(lessons, slug, 'solutions', file);
      assert.ok(existsSync(solution), `${solution} is missing`);
      const out = checkSolutionCheck(path.join(checks, file), solution);
      assert.match(out, /before=1\b/, `the check should fail in a fresh sandbox:\n${out}`);
      assert.match(out, /after=0\b/, `the check should pass after the solution:\n${out}`);
      assert.ok(out.trim().split('\n').length >= 4, `each run should say why:\n${out}`);
    });
  }
}
