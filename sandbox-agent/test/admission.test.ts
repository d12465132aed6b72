/** Who may start a sandbox: the creation rates (per learner, per address) and the optional class access code. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentHeaders, attachTerminal, learner, requireSandboxes, startAgent, type TestAgent } from './helpers.js';

const agents: TestAgent[] = [];
before(() => requireSandboxes());
after(() => Promise.all(agents.map((a) => a.close())));

async function agent(overrides: Parameters<typeof startAgent>[0]): Promise<TestAgent> {
  const t = await startAgent(overrides);
  agents.push(t);
  return t;
}

function post(t: TestAgent, client: string, body: Record<string, unknown>, as?: string): Promise<Response> {
  return fetch(`${t.base}/v1/sessions`, {
    method: 'POST',
    headers: { ...agentHeaders(t.secret, as), 'X-Byhand-Client': client },
    body: JSON.stringify(body),
  });
}

test('past BYHAND_SESSION_RATE a minute a learner gets 429 with Retry-After; other learners at the same address go on', async () => {
  const t = await agent({ sessionRate: 3 });
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await post(t, '203.0.113.7', { lesson: 'namespaces' });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    made.push(id);
    // Ended at once: the rate counts sessions started, not sessions open.
    t.agent.sessions.end(id);
  }
  const refused = await post(t, '203.0.113.7', { lesson: 'namespaces' });
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter} is the seconds until the next start (one every 20 s)`);
  assert.match(((await refused.json()) as { error: string }).error, /started 3 sandboxes within a minute.*BYHAND_SESSION_RATE.*try again in \d+ s/);

  const neighbour = learner(t.secret);
  const other = await post(t, '203.0.113.7', { lesson: 'namespaces' }, neighbour);
  assert.equal(other.status, 201, 'another learner behind the same address is not limited');
  const { id } = (await other.json()) as { id: string };
  const term = await attachTerminal(t, id, undefined, neighbour);
  await term.run('echo "other"-"works"', 'other-works');
  await term.close();
});

test('with BYHAND_ACCESS_CODE set a session needs the code: 403 with code "access-code" otherwise', async () => {
  const t = await agent({ accessCode: 'owl-42' });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ lesson: 'namespaces' }, /^this class needs its access code/],
    [{ lesson: 'namespaces', accessCode: 42 }, /^this class needs its access code/],
    [{ lesson: 'namespaces', accessCode: 'owl-41' }, /^wrong access code/],
  ];
  for (const [body, message] of cases) {
    const res = await post(t, '192.0.2.1', body);
    assert.equal(res.status, 403, JSON.stringify(body));
    const answer = (await res.json()) as { error: string; code: string };
    assert.match(answer.error, message);
    assert.equal(answer.code, 'access-code', 'the site can tell it from a refused secret');
  }
  assert.equal(t.agent.sessions.size, 0);
  const res = await post(t, '192.0.2.1', { lesson: 'namespaces', accessCode: 'owl-42' });
  assert.equal(res.status, 201);
  const { id } = (await res.json()) as { id: string };
  const term = await attachTerminal(t, id);
  await term.run('echo "code"-"ok"', 'code-ok');
  await term.close();
});

test('guessing the access code counts against the creation rate', async () => {
  const t = await agent({ accessCode: 'owl-42', sessionRate: 2 });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await post(t, '192.0.2.2', { lesson: 'namespaces', accessCode: `guess-${i}` })).status);
  assert.deepEqual(statuses, [403, 403, 429]);
});

test('past BYHAND_CLIENT_SESSION_RATE a minute one address gets 429, whichever learner asks; other addresses go on', async () => {
  const t = await agent({ clientSessionRate: 2 });
  for (let i = 0; i < 2; i++) {
    const res = await post(t, '203.0.113.20', { lesson: 'namespaces' }, learner(t.secret));
    assert.equal(res.status, 201);
    t.agent.sessions.end(((await res.json()) as { id: string }).id);
  }
  const refused = await post(t, '203.0.113.20', { lesson: 'namespaces' }, learner(t.secret));
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.match(((await refused.json()) as { error: string }).error, /from your network address within a minute.*BYHAND_CLIENT_SESSION_RATE/);
  const elsewhere = await post(t, '203.0.113.21', { lesson: 'namespaces' }, learner(t.secret));
  assert.equal(elsewhere.status, 201);
  t.agent.sessions.end(((await elsewhere.json()) as { id: string }).id);
});
