import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTime, withSetupLock } from '../lib/lock.mjs';

const fresh = () => mkdtempSync(join(tmpdir(), 'byhand-lock-'));

test('holds the lock while the set-up runs and removes it after', async () => {
  const dir = fresh();
  const seen = await withSetupLock(dir, async () => existsSync(join(dir, '.setup.lock')));
  assert.equal(seen, true);
  assert.equal(existsSync(join(dir, '.setup.lock')), false);
});

test('a second set-up waits for the first, and says so once', async () => {
  const dir = fresh();
  const order = [];
  const lines = [];
  const first = withSetupLock(dir, async () => {
    order.push('first starts');
    await new Promise((r) => setTimeout(r, 300));
    order.push('first ends');
  });
  const second = withSetupLock(dir, async () => order.push('second runs'), { pollMs: 20, log: (l) => lines.push(l) });
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first starts', 'first ends', 'second runs']);
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`waiting for another set-up \\(pid ${process.pid}\\) to finish`));
});

test('takes over a lock left by a set-up that was killed', async () => {
  const dir = fresh();
  const gone = spawnSync('true').pid;
  writeFileSync(join(dir, '.setup.lock'), `${gone} 12345\n`);
  assert.equal(await withSetupLock(dir, async () => 'ran', { timeoutMs: 1000 }), 'ran');
});

test('gives up with a clear message when a live set-up keeps the lock', async () => {
  const dir = fresh();
  const holder = spawn('sleep', ['10']);
  try {
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, '.setup.lock'), `${holder.pid} ${startTime(holder.pid)}\n`);
    await assert.rejects(withSetupLock(dir, async () => 'ran', { timeoutMs: 200, pollMs: 20, log: () => {} }),
      new RegExp(`another set-up \\(pid ${holder.pid}\\) has held .*\\.setup\\.lock for too long`));
    assert.ok(existsSync(join(dir, '.setup.lock')), 'a live holder\'s lock is left alone');
  } finally {
    holder.kill();
  }
});
