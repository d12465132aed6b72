/** A learner's terminal runs containers of its own with the byhand CLI mounted at /opt/byhand. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { attachTerminal, createSession, requireSandboxes, requireSetupTools, startAgent, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  requireSetupTools();
  t = await startAgent();
});
after(() => t?.close());

test('a learner runs `byhand run --rm busybox echo hi` in the terminal, and cannot change the tools', async () => {
  const { id } = await createSession(t);
  const client = await attachTerminal(t, id);
  // The quotes keep the typed command from matching what we wait for.
  client.type('byhand run --rm busybox echo "hi-from-""busybox"\r');
  await client.waitForOutput('hi-from-busybox', 30_000);
  client.type('touch /opt/byhand/x 2>/dev/null || echo "tools-are-""read-only"\r');
  await client.waitForOutput('tools-are-read-only');
  assert.ok(!existsSync(join(process.env.BYHAND_TOOLS_DIR!, 'x')));
  client.ws.close();
  await t.agent.sessions.endAll();
});
