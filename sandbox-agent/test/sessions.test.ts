/** Real sessions: a real sandbox on a real pty, driven over a real WebSocket. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { agentHeaders, learner, alive, attachTerminal, createSession, deleteSession, processTree, requireSandboxes, sleep, startAgent, TermClient, ttyUrl, upgradeStatus, waitUntil, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent({ allowedOrigins: ['https://course.example.org'] });
});
after(() => t?.close());
// Sessions outlive their sockets now; end each test's sandboxes so they do not pile up.
afterEach(() => t?.agent.sessions.endAll());

async function attach(origin?: string) {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token), origin);
  await client.waitForMessage('ready');
  return { id, token, client };
}

const health = async () => (await (await fetch(`${t.base}/healthz`)).json()) as { sessions: number };

describe('a session', () => {
  test('output made before the browser attached arrives as a snapshot before ready', async () => {
    const { id, token } = await createSession(t);
    // On a busy machine the sandbox may take a while to build; then bash needs a moment to print its prompt.
    assert.notEqual(await t.agent.sessions.get(id)!.initPid(), null, 'the sandbox started');
    await sleep(1500);
    const client = await TermClient.open(ttyUrl(t, id, token));
    await client.waitForMessage('ready');
    const [first, second] = client.messages;
    assert.equal(first?.type, 'snapshot', 'the snapshot comes first');
    assert.equal(second?.type, 'ready', 'then ready');
    assert.match((first as { data: string }).data, new RegExp(t.agent.sessions.get(id)!.hostname), 'the prompt names the sandbox');
    assert.deepEqual([(first as { cols: number }).cols, (first as { rows: number }).rows], [80, 24]);
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

  test('absurd resizes and oversized frames: an error frame, or that connection closed (1009); the session and a neighbour go on', async () => {
    const neighbour = await attach();
    const { id, client } = await attach();
    client.sendText(JSON.stringify({ type: 'resize', cols: 1e9, rows: -1 }));
    assert.equal((await client.waitForMessage('error')).code, 'bad-resize');
    client.ws.send(Buffer.alloc(300 * 1024, 0x61), { binary: true });
    assert.equal(await client.waitForClose(), 1009, 'a frame over 256 KiB closes the connection as too big');
    const again = await attachTerminal(t, id);
    await again.run('echo same-sess""ion-ok', 'same-session-ok');
    await neighbour.client.run('echo neighb""our-ok', 'neighbour-ok');
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

  test('closing the socket detaches: the sandbox and its processes live on', async () => {
    const { id, client } = await attach();
    await client.run('sleep 1000 & echo bg-star""ted', 'bg-started');
    const pids = processTree(t.agent.sessions.get(id)!.pid);
    assert.ok(pids.length >= 3, `expected the helper, bash and sleep on the host, found ${pids.join(' ')}`);
    await client.close();
    await sleep(300);
    assert.ok(pids.every(alive), 'every process of the sandbox still runs');
    assert.ok(t.agent.sessions.get(id), 'the session is still there');
    assert.equal((await deleteSession(t, id)).status, 204);
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
      headers: agentHeaders(t.secret),
    });
    assert.equal(res.status, 204);
    assert.deepEqual(await client.waitForMessage('exit'), { type: 'exit', code: 137 });
    await client.waitForClose();
    await waitUntil(`pid ${pid} to be gone`, () => !alive(pid));
    const again = await fetch(`${t.base}/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: agentHeaders(t.secret),
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
    await fetch(`${t.base}/v1/sessions/${id}`, { method: 'DELETE', headers: agentHeaders(t.secret) });
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
        headers: agentHeaders(small.secret, learner(small.secret)),
        body: '{"lesson":"namespaces"}',
      });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: string }).error, /the class is full: all 1 sandboxes are in use/, 'another learner finds the class full');
    } finally {
      await small.close();
    }
  });
});
