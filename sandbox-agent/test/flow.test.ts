/** Flow control: a flood of output stops near the window until the client acks, then resumes. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HIGH_WATER_BYTES } from '../src/index.js';
import { createSession, requireSandboxes, sleep, startAgent, TermClient, ttyUrl, waitUntil, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent();
});
after(() => t?.close());

test('`yes | head -c 5000000` pauses without acks and finishes with them', async () => {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token));
  client.autoAck = false;
  await client.waitForMessage('ready');
  client.type('yes | head -c 5000000; echo DONE-$((40+2))\r');

  await waitUntil('output to pass the window', () => client.received > HIGH_WATER_BYTES);
  await sleep(1_000);
  const stalled = client.received;
  await sleep(1_000);
  assert.equal(client.received, stalled, 'output keeps coming although nothing was acked');
  // One pty read (up to 64 KiB) may be in flight when the pause takes effect.
  assert.ok(stalled < HIGH_WATER_BYTES + 128 * 1024, `received ${stalled} bytes without acks`);

  client.autoAck = true;
  client.ack(client.received);
  await client.waitForOutput('DONE-42', 30_000);
  // The pty turns each "\n" into "\r\n", so 5,000,000 bytes of "y\n" arrive as 7,500,000.
  assert.ok(client.received >= 7_500_000, `received only ${client.received} bytes`);
  client.ws.close();
});
