import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import { Reporter } from '../lib/report.mjs';

function capture() {
  let text = '';
  const out = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
  return { out, text: () => text };
}

test('steps print "done (x s)", "cached" or "skipped: why" on one line', async () => {
  const { out, text } = capture();
  const report = new Reporter(out);
  await report.step('quick', () => undefined);
  await report.step('again', () => ({ status: 'cached' }));
  await report.step('later', () => ({ status: 'skipped', note: 'nothing to build yet' }));
  assert.match(text(), /^\[setup\] quick \.\.\. done \(\d+\.\d s\)\n\[setup\] again \.\.\. cached\n\[setup\] later \.\.\. skipped: nothing to build yet\n$/);
});

test('a failing command names the step and shows the end of its output', async () => {
  const { out, text } = capture();
  const report = new Reporter(out);
  await assert.rejects(
    report.step('native build', (ctx) => ctx.run('sh', ['-c', 'echo compiling; echo "error: no such file" >&2; exit 3'])),
  );
  assert.match(text(), /\[setup\] native build \.\.\. FAILED/);
  assert.match(text(), /the step "native build" failed: `sh -c .*` exited with code 3/);
  assert.match(text(), /\| error: no such file/);
});
