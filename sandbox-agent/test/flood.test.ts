/** Floods: the agent's memory stays bounded whatever the sandbox prints, and Ctrl-C still works. */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, afterEach, before, test } from 'node:test';
import { SCROLLBACK_LINES } from '../src/index.js';
import { attachTerminal, createSession, requireSandboxes, sleep, startAgent, TermClient, ttyUrl, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent();
});
after(() => t?.close());
afterEach(() => t?.agent.sessions.endAll());

const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Memory this process (the agent runs in it) holds on to after a full collection. */
function retained(): number {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * How much more memory is held once `during` ran. Measured after a collection, not as RSS: the
 * test's own client decodes megabytes of `yes` into garbage, which RSS counts until the
 * collector runs (CI saw 62 MB of it); what the agent queues is still held, and counted.
 */
async function heldGrowth(during: () => Promise<void>): Promise<number> {
  const before = retained();
  await during();
  return retained() - before;
}

async function open(): Promise<TermClient> {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  return client;
}

test('`yes` for 5 s to a slow-acking client, then Ctrl-C: the prompt is back within 1 s, the agent holds < 50 MB more', async () => {
  const client = await open();
  client.autoAck = false;
  // A slow browser: it acknowledges what it got ten times a second.
  let acked = 0;
  const acker = setInterval(() => {
    client.ack(client.received - acked);
    acked = client.received;
  }, 100);
  try {
    const growth = await heldGrowth(async () => {
      client.type('yes\r');
      await sleep(5_000);
    });
    assert.ok(client.received > 100_000, `yes printed only ${client.received} bytes`);
    assert.ok(growth < 50 * MB, `the agent holds ${(growth / MB).toFixed(1)} MB more`);
    const sent = Date.now();
    client.type('\x03');
    client.type('echo after-""ctrl-c\r');
    await client.waitForOutput('after-ctrl-c', 1_000);
    assert.ok(Date.now() - sent <= 1_000, `the prompt came back after ${Date.now() - sent} ms`);
  } finally {
    clearInterval(acker);
  }
  client.ws.close();
});

test('a fast client reading 5 s of `yes`: the agent holds < 50 MB more', async () => {
  const client = await open();
  const growth = await heldGrowth(async () => {
    client.type('yes\r');
    await sleep(5_000);
  });
  assert.ok(client.received > 1 * MB, `yes printed only ${client.received} bytes`);
  assert.ok(growth < 50 * MB, `the agent holds ${(growth / MB).toFixed(1)} MB more`);
  client.type('\x03');
  await client.run('echo st""opped', 'stopped', 2_000);
  client.ws.close();
});

test('a detached `yes` is paused, and the snapshot on reattach is capped by the scrollback', async () => {
  const { id, token } = await createSession(t);
  const first = await TermClient.open(ttyUrl(t, id, token));
  await first.waitForMessage('ready');
  first.type('seq 1 50000; yes\r');
  await first.waitForOutput('50000');
  await first.close();
  const growth = await heldGrowth(() => sleep(3_000));
  assert.ok(growth < 50 * MB, `the agent holds ${(growth / MB).toFixed(1)} MB more while detached`);

  const second = await attachTerminal(t, id);
  const snapshot = second.messages.find((m) => m.type === 'snapshot') as { data: string } | undefined;
  assert.ok(snapshot, 'a snapshot is sent');
  const lines = snapshot.data.split('\n').length;
  assert.ok(lines <= SCROLLBACK_LINES + 30, `the snapshot has ${lines} lines, more than the scrollback of ${SCROLLBACK_LINES}`);
  second.type('\x03');
  await second.run('echo back-""again', 'back-again', 2_000);
  second.ws.close();
});
