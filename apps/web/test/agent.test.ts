import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { AgentError, createAgentSession, terminalUrl } from '../lib/agent';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('terminalUrl', () => {
  const session = { id: 'abc123', token: 't/k+n=' };

  test('uses the host name the browser used, on the agent port', () => {
    delete process.env.BYHAND_AGENT_PUBLIC_URL;
    process.env.BYHAND_AGENT_PORT = '3001';
    assert.equal(terminalUrl(session, 'classroom.local:3000'), 'ws://classroom.local:3001/v1/sessions/abc123/tty?token=t%2Fk%2Bn%3D');
    assert.equal(terminalUrl(session, '[::1]:3000'), 'ws://[::1]:3001/v1/sessions/abc123/tty?token=t%2Fk%2Bn%3D');
    assert.equal(terminalUrl(session, null), 'ws://localhost:3001/v1/sessions/abc123/tty?token=t%2Fk%2Bn%3D');
  });

  test('prefers BYHAND_AGENT_PUBLIC_URL, turning http(s) into ws(s)', () => {
    process.env.BYHAND_AGENT_PUBLIC_URL = 'https://class.example.org/agent/';
    assert.equal(terminalUrl(session, 'ignored:3000'), 'wss://class.example.org/agent/v1/sessions/abc123/tty?token=t%2Fk%2Bn%3D');
    process.env.BYHAND_AGENT_PUBLIC_URL = 'ws://10.0.0.5:4001';
    assert.equal(terminalUrl(session, 'ignored:3000'), 'ws://10.0.0.5:4001/v1/sessions/abc123/tty?token=t%2Fk%2Bn%3D');
  });
});

describe('createAgentSession', () => {
  test('an unreachable agent is a 503 that says where it looked and what to do', async () => {
    const port = await closedPort();
    process.env.BYHAND_AGENT_URL = `http://127.0.0.1:${port}`;
    process.env.BYHAND_AGENT_SECRET = 'test-secret';
    await assert.rejects(createAgentSession('02-namespaces', { learner: 'x', client: null }), (err: Error) => {
      assert.ok(err instanceof AgentError);
      assert.equal(err.status, 503);
      assert.match(err.message, new RegExp(`not reachable at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
      assert.match(err.message, /npm start/);
      return true;
    });
  });
});

/** A loopback port with nothing listening: bound by us a moment ago, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
