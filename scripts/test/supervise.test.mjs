import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'node:test';

const FIXTURE = fileURLToPath(new URL('./fixtures/services.mjs', import.meta.url));

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Starts the supervisor; `output()` is everything it printed so far. */
function startSupervisor(specs) {
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  const exited = once(child, 'exit').then(([code]) => code);
  return { child, exited, output: () => text };
}

async function waitFor(predicate, what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('prints the URL once both services listen, and SIGTERM stops both', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const run = startSupervisor([
    { name: 'agent', port: a, behaviour: 'serve' },
    { name: 'web', port: b, behaviour: 'serve' },
  ]);
  await waitFor(() => run.output().includes('[start] ready: open http://localhost:test'), 'the ready line');
  assert.match(run.output(), new RegExp(`^\\[agent\\] listening on ${a}$`, 'm'));
  assert.match(run.output(), new RegExp(`^\\[web\\] listening on ${b}$`, 'm'));
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  assert.equal(await accepts(a), false, 'the agent still listens after the stop');
  assert.equal(await accepts(b), false, 'the site still listens after the stop');
});

test('when one service dies, the other is stopped and the exit code is non-zero', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const run = startSupervisor([
    { name: 'agent', port: a, behaviour: 'exit-after-listen' },
    { name: 'web', port: b, behaviour: 'serve' },
  ]);
  assert.equal(await run.exited, 1);
  assert.match(run.output(), /\[start\] agent stopped by itself \(exit code 3\): stopping the rest/);
  assert.equal(await accepts(b), false, 'the site still listens after the agent died');
});

test('a service that ignores SIGTERM is killed after 5 s', async () => {
  const port = await freePort();
  const run = startSupervisor([{ name: 'stubborn', port, behaviour: 'ignore-sigterm' }]);
  await waitFor(() => run.output().includes('[start] ready'), 'the ready line');
  const stopAt = Date.now();
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0);
  const took = Date.now() - stopAt;
  assert.ok(took >= 4500 && took < 9000, `stopping took ${took} ms, expected about 5 s`);
  assert.match(run.output(), /\[stubborn\] ignoring SIGTERM/);
  assert.match(run.output(), /\[start\] stubborn did not stop within 5 s: killing it/);
  assert.equal(await accepts(port), false);
});

test('refuses to start when a port is already taken', async () => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  try {
    const run = startSupervisor([{ name: 'web', port, behaviour: 'serve' }]);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`port ${port}, which the web needs, is already in use`));
    assert.doesNotMatch(run.output(), /\[web\]/, 'the service was started anyway');
  } finally {
    server.close();
  }
});
