/** Floods: the agent's memory stays bounded whatever the sandbox prints, and Ctrl-C still works. */
import assert from 'node:assert/strict';
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

/** Samples this process's RSS (the agent runs in it) while `during` runs; returns the peak growth. */
async function rssGrowth(during: () => Promise<void>): Promise<number> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    await during();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

async function open(): Promise<TermClient> {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  return client;
}

test('`yes` for 5 s to a slow-acking client, then Ctrl-C: the prompt is back within 1 s, RSS grows < 50 MB', async () => {
  const client = await open();
  client.autoAck = false;
  // A slow browser: it acknowledges what it got ten times a second.
  let acked = 0;
  const acker = setInterval(() => {
    client.ack(client.received - acked);
    acked = client.received;
  }, 100);
  try {
    const growth = await rssGrowth(async () => {
      client.type('yes\r');
      await sleep(5_000);
    });
    assert.ok(client.received > 100_000, `yes printed only ${client.received} bytes`);
    assert.ok(growth < 50 * MB, `the agent's RSS grew by ${(growth / MB).toFixed(1)} MB`);
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

test('a fast client reading 5 s of `yes`: RSS grows < 50 MB', async () => {
  const client = await open();
  const growth = await rssGrowth(async () => {
    client.type('yes\r');
    await sleep(5_000);
  });
  assert.ok(client.received > 1 * MB, `yes printed only ${client.received} bytes`);
  assert.ok(growth < 50 * MB, `the agent's RSS grew by ${(growth / MB).toFixed(1)} MB`);
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
  const growth = await rssGrowth(() => sleep(3_000));
  assert.ok(growth < 50 * MB, `the agent's RSS grew by ${(growth / MB).toFixed(1)} MB while detached`);

  const second = await attachTerminal(t, id);
  const snapshot = second.messages.find((m) => m.type === 'snapshot') as { data: string } | undefined;
  assert.ok(snapshot, 'a snapshot is sent');
  const lines = snapshot.data.split('\n').length;
  assert.ok(lines <= SCROLLBACK_LINES + 30, `the snapshot has ${lines} lines, more than the scrollback of ${SCROLLBACK_LINES}`);
  second.type('\x03');
  await second.run('echo back-""again', 'back-again', 2_000);
  second.ws.close();
});
