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

test('64 MiB sent to a shell that is not reading: the agent holds < 20 MB more, says so, a neighbour echoes; Ctrl-C gets through', async () => {
  const client = await open();
  const neighbour = await open();
  await client.run('echo sle""eping; sleep 600', 'sleeping');
  const frame = Buffer.alloc(200 * 1024, 'x');
  let echoMs = 0;
  const growth = await heldGrowth(async () => {
    for (let i = 0; i < 320; i++) {
      client.ws.send(frame, { binary: true });
      // As fast as the socket takes them, but without piling them up in this (the client's) process.
      while (client.ws.bufferedAmount > 4 * MB) await sleep(5);
    }
    await waitFor(() => client.ws.bufferedAmount === 0);
    await sleep(500);
    const sent = Date.now();
    await neighbour.run('echo neigh""bour', 'neighbour', 2_000);
    echoMs = Date.now() - sent;
  });
  assert.ok(growth < 20 * MB, `the agent holds ${(growth / MB).toFixed(1)} MB more`);
  assert.ok(echoMs < 1_500, `the neighbour's echo took ${echoMs} ms`);
  const notice = client.messages.find((m) => m.type === 'error') as { code: string; message: string } | undefined;
  assert.equal(notice?.code, 'input-full', 'the learner is told their input was not sent');
  assert.match(notice.message, /not reading its input/);
  assert.ok(client.messages.filter((m) => m.type === 'error').length <= 5, 'one notice every few seconds, not one per frame');
  const metrics = await (await fetch(`${t.base}/metrics`)).text();
  assert.match(metrics, /byhand_input_bytes_refused_total [1-9]\d{6,}/);

  client.type('\x03');
  await client.run('echo inter""rupted', 'interrupted', 3_000);
  client.ws.close();
  neighbour.ws.close();
});

async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await sleep(10);
}

/** Milliseconds from a keystroke to its echo, for each of `n` keystrokes. */
async function echoTimes(client: TermClient, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const echoed = new Promise<void>((resolve) => client.ws.once('message', () => resolve()));
    const sent = performance.now();
    client.type('z');
    await echoed;
    times.push(performance.now() - sent);
    await sleep(20);
  }
  client.type('\x15'); // Ctrl-U: the line typed is dropped
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('a resize flood from one learner: another learner\'s keystroke echo stays < 50 ms; the last size wins', async () => {
  const flooder = await open();
  const neighbour = await open();
  // A full scrollback makes each resize reflow as much as it can.
  await flooder.run('seq 1 3000; echo fi""lled', 'filled');
  const before = median(await echoTimes(neighbour, 10));
  let flooding = true;
  const flood = (async () => {
    for (let i = 0; flooding; i++) {
      for (let j = 0; j < 50; j++) flooder.sendText(JSON.stringify({ type: 'resize', cols: 60 + ((i + j) % 2) * 140, rows: 20 + ((i + j) % 2) * 40 }));
      await sleep(1);
    }
  })();
  await sleep(300);
  const during = await echoTimes(neighbour, 30);
  flooding = false;
  await flood;
  flooder.sendText(JSON.stringify({ type: 'resize', cols: 101, rows: 33 }));
  await sleep(300);
  await flooder.run('echo "size=$(stty size)"', 'size=33 101');
  assert.ok(median(during) < 50, `echo p50 ${median(during).toFixed(1)} ms during the flood (before it: ${before.toFixed(1)} ms)`);
  flooder.ws.close();
  neighbour.ws.close();
});
