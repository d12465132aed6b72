/** Real sessions: a real sandbox on a real pty, driven over a real WebSocket. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  alive, createSession, processTree, requireSandboxes, sleep, startAgent, TermClient, ttyUrl, upgradeStatus,
  waitUntil, type TestAgent,
} from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent({ allowedOrigins: ['https://course.example.org'] });
});
after(() => t?.close());

async function attach(origin?: string) {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token), origin);
  await client.waitForMessage('ready');
  return { id, token, client };
}

const health = async () => (await (await fetch(`${t.base}/healthz`)).json()) as { sessions: number };

describe('a session', () => {
  test('shows output made before the browser attached: the prompt names the sandbox', async () => {
    const { id, token } = await createSession(t);
    await sleep(1500);
    const client = await TermClient.open(ttyUrl(t, id, token));
    assert.deepEqual((await client.waitForMessage('ready')), { type: 'ready' });
    await client.waitForOutput(`lab-${id.slice(0, 12)}`);
    assert.equal(client.messages[0]?.type, 'ready', 'ready comes before any output');
    client.ws.close();
  });

  test('round-trips `echo hello` through the sandbox shell, as root inside', async () => {
    const { client } = await attach();
    // The quotes keep the typed command from matching what we wait for.
    client.type('echo hel""lo-$(id -u)\r');
    await client.waitForOutput('hello-0');
    client.ws.close();
  });

  test('a malformed text frame gets an error frame and the session goes on', async () => {
    const { client } = await attach();
    client.sendText('{not json');
    client.sendText(JSON.stringify({ type: 'launch-missiles' }));
    await waitUntil('two error frames', () => client.messages.filter((m) => m.type === 'error').length === 2);
    const errors = client.messages.filter((m) => m.type === 'error');
    assert.deepEqual(errors.map((e) => (e as { code: string }).code), ['bad-json', 'unknown-type']);
    client.type('echo still-al""ive\r');
    await client.waitForOutput('still-alive');
    assert.equal(client.closeCode, null);
    client.ws.close();
  });

  test('a check request is answered as not available yet', async () => {
    const { client } = await attach();
    client.sendText(JSON.stringify({ type: 'check', id: 'hostname-changed' }));
    const msg = await client.waitForMessage('error');
    assert.deepEqual(msg, { type: 'error', code: 'unsupported', message: 'checks are not available yet' });
    client.ws.close();
  });

  test('resize changes the size the shell sees', async () => {
    const { client } = await attach();
    client.sendText(JSON.stringify({ type: 'resize', cols: 123, rows: 45 }));
    client.type('echo size-$(stty size | tr " " x)\r');
    await client.waitForOutput('size-45x123');
    client.ws.close();
  });

  test('`exit 3` sends {"type":"exit","code":3} and closes the socket normally', async () => {
    const { id, client } = await attach();
    client.type('exit 3\r');
    assert.deepEqual(await client.waitForMessage('exit'), { type: 'exit', code: 3 });
    assert.equal(await client.waitForClose(), 1000);
    await waitUntil('the session to be forgotten', () => t.agent.sessions.get(id) === undefined);
  });

  test('closing the socket kills the sandbox: its processes leave /proc', async () => {
    const { id, client } = await attach();
    client.type('sleep 1000 & echo bg-star""ted\r');
    await client.waitForOutput('bg-started');
    const pids = processTree(t.agent.sessions.get(id)!.pid);
    assert.ok(pids.length >= 3, `expected the helper, bash and sleep on the host, found ${pids.join(' ')}`);
    client.ws.close();
    await waitUntil(`pids ${pids.join(' ')} to be gone`, () => pids.every((p) => !alive(p)));
    await waitUntil('the session to be forgotten', () => t.agent.sessions.get(id) === undefined);
    assert.ok(t.logs.some((l) => l.startsWith('session ended') && l.includes(id)), 'the end is logged');
  });
});

describe('DELETE /v1/sessions/<id>', () => {
  test('kills the sandbox, tells the attached client and answers 204', async () => {
    const { id, client } = await attach();
    const pid = t.agent.sessions.get(id)!.pid;
    const res = await fetch(`${t.base}/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${t.secret}` },
    });
    assert.equal(res.status, 204);
    assert.deepEqual(await client.waitForMessage('exit'), { type: 'exit', code: 137 });
    await client.waitForClose();
    await waitUntil(`pid ${pid} to be gone`, () => !alive(pid));
    const again = await fetch(`${t.base}/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${t.secret}` },
    });
    assert.equal(again.status, 404);
  });
});

describe('tokens and origins', () => {
  test('a wrong token is refused (401) and the right one still works afterwards', async () => {
    const { id, token } = await createSession(t);
    assert.equal(await upgradeStatus(ttyUrl(t, id, token + 'x')), 401);
    assert.equal(await upgradeStatus(ttyUrl(t, id, '')), 401);
    const client = await TermClient.open(ttyUrl(t, id, token));
    await client.waitForMessage('ready');
    client.ws.close();
  });

  test('a token works once', async () => {
    const { id, token, client } = await attach();
    assert.equal(await upgradeStatus(ttyUrl(t, id, token)), 401);
    client.type('echo first-cli""ent-ok\r');
    await client.waitForOutput('first-client-ok');
    client.ws.close();
  });

  test('the site on the same hostname (another port) and listed origins may attach', async () => {
    const same = await attach('http://127.0.0.1:3000');
    same.client.ws.close();
    const listed = await attach('https://course.example.org');
    listed.client.ws.close();
  });

  test('another site may not attach (403), even with the right token', async () => {
    const { id, token } = await createSession(t);
    assert.equal(await upgradeStatus(ttyUrl(t, id, token), { origin: 'https://evil.example' }), 403);
    await fetch(`${t.base}/v1/sessions/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${t.secret}` } });
  });

  test('/healthz and /metrics count the sessions', async () => {
    await waitUntil('earlier sessions to end', () => t.agent.sessions.size === 0);
    const { client } = await attach();
    assert.equal((await health()).sessions, 1);
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    assert.match(metrics, /^byhand_sessions_active 1$/m);
    assert.match(metrics, new RegExp(`^byhand_sessions_created_total ${t.agent.sessions.createdTotal}$`, 'm'));
    assert.ok(t.agent.sessions.createdTotal >= 10);
    client.ws.close();
  });
});

describe('limits', () => {
  test('a session nobody attaches to ends when its token expires', async () => {
    const short = await startAgent({ tokenTtlMs: 1_000 });
    try {
      const { id, token } = await createSession(short);
      const pid = short.agent.sessions.get(id)!.pid;
      await sleep(1_500);
      await waitUntil(`pid ${pid} to be gone`, () => !alive(pid));
      assert.equal(short.agent.sessions.size, 0);
      assert.equal(await upgradeStatus(ttyUrl(short, id, token)), 404);
    } finally {
      await short.close();
    }
  });

  test('past BYHAND_MAX_SESSIONS the agent answers 503 with a clear message', async () => {
    const small = await startAgent({ maxSessions: 1 });
    try {
      await createSession(small);
      const res = await fetch(`${small.base}/v1/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${small.secret}` },
        body: '{"lesson":"namespaces"}',
      });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: string }).error, /all 1 sandboxes are in use/);
    } finally {
      await small.close();
    }
  });
});
