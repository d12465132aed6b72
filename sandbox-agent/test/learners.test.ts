/**
 * Learners: sandboxes belong to the learner the site names in X-Byhand-Learner (signed with the
 * agent secret). Caps are per learner, with a per-address flood guard; a learner moving on to
 * another lesson never gets stuck; progress stays with the learner.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LEARNER_HEADER, newLearnerId, signLearner } from '@byhand/protocol/learner';
import {
  agentHeaders, attachTerminal, createSession, deleteSession, learner, listSessions, postSession, postToken,
  requireSandboxes, sleep, startAgent, TermClient, waitUntil, type TestAgent,
} from './helpers.js';

const agents: TestAgent[] = [];
before(() => requireSandboxes());
after(() => Promise.all(agents.map((a) => a.close())));

async function agent(overrides: Parameters<typeof startAgent>[0] = {}): Promise<TestAgent> {
  const t = await startAgent(overrides);
  agents.push(t);
  return t;
}

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('the learner header', () => {
  let t: TestAgent;
  before(async () => {
    t = await agent();
  });

  const requests = (headers: Record<string, string>) => [
    ['POST /v1/sessions', () => fetch(`${t.base}/v1/sessions`, { method: 'POST', headers, body: '{"lesson":"namespaces"}' })],
    ['GET /v1/sessions', () => fetch(`${t.base}/v1/sessions`, { headers })],
    ['GET /v1/progress', () => fetch(`${t.base}/v1/progress`, { headers })],
    ['POST /v1/sessions/<id>/tokens', () => fetch(`${t.base}/v1/sessions/0123456789abcdef/tokens`, { method: 'POST', headers })],
    ['DELETE /v1/sessions/<id>', () => fetch(`${t.base}/v1/sessions/0123456789abcdef`, { method: 'DELETE', headers })],
  ] as const;

  test('missing: 400 saying what to send, on every learner route', async () => {
    const { [LEARNER_HEADER]: _, ...headers } = agentHeaders(t.secret);
    for (const [name, send] of requests(headers)) {
      const res = await send();
      assert.equal(res.status, 400, name);
      assert.match(await errorOf(res), /send the learner as "X-Byhand-Learner: <id>\.<signature>"/, name);
    }
  });

  test('forged (signed with another secret, or altered): 403; malformed: 400; nothing is created', async () => {
    const id = newLearnerId();
    const theirs = signLearner(id, 'not-the-agent-secret');
    const altered = signLearner(newLearnerId(), t.secret).replace(/^.{22}/, id);
    for (const value of [theirs, altered]) {
      for (const [name, send] of requests(agentHeaders(t.secret, value))) {
        const res = await send();
        assert.equal(res.status, 403, `${name} with ${value}`);
        assert.match(await errorOf(res), /wrong signature: it was not issued with this agent's secret/);
      }
    }
    for (const value of [id, `${id}.`, 'x.y.z', `${signLearner(id, t.secret)}.extra`]) {
      const res = await postSession(t, 'namespaces', undefined, value);
      assert.equal(res.status, 400, value);
      assert.match(await errorOf(res), /not in that form/);
    }
    assert.equal(t.agent.sessions.size, 0);
  });

  test("one learner cannot attach to, list or end another's sandbox, even knowing its id", async () => {
    const alice = learner(t.secret);
    const mallory = learner(t.secret);
    const { id } = await createSession(t, 'namespaces', undefined, alice);
    const term = await attachTerminal(t, id, undefined, alice);
    const token = await postToken(t, id, mallory);
    assert.equal(token.status, 404, "a token for another learner's session");
    assert.match(await errorOf(token), /there is no session/);
    assert.equal((await deleteSession(t, id, mallory)).status, 404);
    assert.deepEqual(await listSessions(t, mallory), []);
    assert.deepEqual((await listSessions(t, alice)).map((s) => s.id), [id]);
    await term.run('echo st""ill-here', 'still-here');
    assert.equal((await deleteSession(t, id, alice)).status, 204);
    await term.waitForClose();
  });

  test('the hostname a learner shows on screen is not derived from the session id', async () => {
    const alice = learner(t.secret);
    const { id } = await createSession(t, 'namespaces', undefined, alice);
    const term = await attachTerminal(t, id, undefined, alice);
    await term.run('echo "host=$(hostname)"', 'host=lab-');
    const shown = /host=(lab-[0-9a-f]{12})\b/.exec(term.output)?.[1];
    assert.ok(shown, `the hostname is lab- and 12 hex digits: ${JSON.stringify(term.output.slice(-200))}`);
    // It was lab- and the first 12 of the id's 16 hex digits, leaving 4 to guess. No 8 of them in a row
    // now (by chance: about 1 in 10^8).
    for (let i = 0; i + 8 <= id.length; i++) assert.ok(!shown.includes(id.slice(i, i + 8)), `${shown} holds ${id.slice(i, i + 8)} of the id ${id}`);
    assert.equal((await deleteSession(t, id, alice)).status, 204);
    await term.waitForClose();
  });
});

describe('caps', () => {
  test('at their cap a learner opening one more lesson ends their least recently used detached sandbox', async () => {
    const t = await agent({ maxSessionsPerLearner: 2 });
    const me = learner(t.secret);
    const first = await createSession(t, 'lesson-01', undefined, me);
    const firstTerm = await attachTerminal(t, first.id, undefined, me);
    const second = await createSession(t, 'lesson-02', undefined, me);
    const secondTerm = await attachTerminal(t, second.id, undefined, me);
    await firstTerm.close();
    await secondTerm.close();
    // lesson-01 was left first, so it goes; lesson-02 stays for a way back.
    const third = await createSession(t, 'lesson-03', undefined, me);
    await waitUntil('lesson-01 to end', () => t.agent.sessions.get(first.id) === undefined);
    assert.deepEqual((await listSessions(t, me)).map((s) => s.lesson), ['lesson-02', 'lesson-03']);
    assert.ok(t.agent.sessions.get(second.id), 'the more recently used one stays');
    assert.ok(t.logs.some((l) => l.includes(first.id) && l.includes('opened another lesson at their cap')));
    assert.ok(t.agent.sessions.get(third.id));
    await t.agent.sessions.endAll();
  });

  test('when every sandbox of theirs is in use, 429 with code learner-limit and the list; another learner is not affected', async () => {
    const t = await agent({ maxSessionsPerLearner: 2 });
    const me = learner(t.secret);
    const terms: TermClient[] = [];
    for (const lesson of ['lesson-01', 'lesson-02']) {
      const { id } = await createSession(t, lesson, undefined, me);
      terms.push(await attachTerminal(t, id, undefined, me));
    }
    const refused = await postSession(t, 'lesson-03', undefined, me);
    assert.equal(refused.status, 429);
    const body = (await refused.json()) as { error: string; code: string; sessions: { lesson: string; createdAt: string; attached: boolean }[] };
    assert.equal(body.code, 'learner-limit');
    assert.match(body.error, /you already have 2 sandboxes open and in use.*BYHAND_MAX_SESSIONS_PER_LEARNER.*end one of them/);
    assert.deepEqual(body.sessions.map((s) => [s.lesson, s.attached]), [['lesson-01', true], ['lesson-02', true]]);
    assert.ok(body.sessions.every((s) => Date.now() - Date.parse(s.createdAt) < 60_000));
    assert.equal((await postSession(t, 'lesson-03', undefined, learner(t.secret))).status, 201);
    for (const term of terms) term.ws.terminate();
    await t.agent.sessions.endAll();
  });

  test('many learners behind one address each get a sandbox, up to the per-address flood guard', async () => {
    const t = await agent({ maxSessionsPerLearner: 3, maxSessionsPerClient: 4 });
    const nat = '203.0.113.50';
    for (let i = 0; i < 4; i++) assert.equal((await postSession(t, 'namespaces', nat, learner(t.secret))).status, 201, `learner ${i + 1}`);
    const fifth = await postSession(t, 'namespaces', nat, learner(t.secret));
    assert.equal(fifth.status, 429);
    const body = (await fifth.json()) as { error: string; code: string };
    assert.equal(body.code, 'client-limit');
    assert.match(body.error, /4 sandboxes are open from your network address \(203\.0\.113\.50\).*BYHAND_MAX_SESSIONS_PER_CLIENT, a flood guard/);
    assert.equal((await postSession(t, 'namespaces', '203.0.113.51', learner(t.secret))).status, 201, 'another address is not affected');
    await t.agent.sessions.endAll();
  });

  test('when the class is full, a learner with a detached sandbox gives it up for the new lesson', async () => {
    const t = await agent({ maxSessions: 1 });
    const me = learner(t.secret);
    const first = await createSession(t, 'lesson-01', undefined, me);
    assert.equal((await postSession(t, 'lesson-02', undefined, learner(t.secret))).status, 503, 'another learner finds it full');
    assert.equal((await postSession(t, 'lesson-02', undefined, me)).status, 201);
    assert.equal(t.agent.sessions.get(first.id), undefined);
    await t.agent.sessions.endAll();
  });
});

describe('leaving a lesson', () => {
  const GRACE_MS = 1_500;

  test('a clean close (page gone) ends the sandbox after the grace; attaching within it resumes the same shell', async () => {
    const t = await agent({ leaveGraceMs: GRACE_MS });
    const { id } = await createSession(t);
    const term = await attachTerminal(t, id);
    await term.run('export MARK=kept; echo se""t', 'set');
    term.ws.close(1001, 'page reloaded');
    await term.waitForClose();
    await sleep(GRACE_MS / 3);
    const back = await attachTerminal(t, id);
    await back.run('echo "mark=$MARK"', 'mark=kept');
    back.ws.close(1000, 'page closed');
    await back.waitForClose();
    await waitUntil('the left sandbox to end', () => t.agent.sessions.get(id) === undefined, GRACE_MS + 3_000);
    assert.ok(t.logs.some((l) => l.includes(id) && l.includes('its learner left it')));
  });

  test('a dropped connection keeps the sandbox for the idle timeout, until the learner opens another lesson', async () => {
    const t = await agent({ leaveGraceMs: GRACE_MS });
    const { id } = await createSession(t, 'lesson-01');
    const term = await attachTerminal(t, id);
    term.ws.terminate(); // no close frame: a lost network, a closed laptop lid
    await term.waitForClose();
    await sleep(GRACE_MS + 500);
    assert.ok(t.agent.sessions.get(id), 'a lost connection is not a learner leaving');
    const next = await createSession(t, 'lesson-02');
    await waitUntil('the abandoned sandbox to end', () => t.agent.sessions.get(id) === undefined, 3_000);
    assert.ok(t.agent.sessions.get(next.id));
    await t.agent.sessions.endAll();
  });
});

describe('progress', () => {
  test('passed checks are kept per learner on the agent, across a restart', async () => {
    const progressDir = mkdtempSync(join(tmpdir(), 'byhand-progress-test-'));
    const first = await startAgent({ progressDir });
    const me = learner(first.secret);
    const { id } = await createSession(first, 'checks-lesson', undefined, me);
    const term = await attachTerminal(first, id, undefined, me);
    term.sendText(JSON.stringify({ type: 'check', id: 'hostname-is-lab' }));
    await term.waitForMessage('check', 15_000);
    term.sendText(JSON.stringify({ type: 'check', id: 'file-exists' }));
    await waitUntil('the second check', () => term.messages.filter((m) => m.type === 'check').length === 2, 15_000);
    const read = async (t: TestAgent, as: string) =>
      ((await (await fetch(`${t.base}/v1/progress`, { headers: agentHeaders(t.secret, as) })).json()) as { lessons: unknown }).lessons;
    assert.deepEqual(await read(first, me), { 'checks-lesson': ['hostname-is-lab'] }, 'the failed check is not kept');
    assert.deepEqual(await read(first, learner(first.secret)), {}, "another learner's progress is their own");
    await first.close();

    const second = await agent({ progressDir });
    // Same learner id, signed with the new agent's secret as the site would after the restart.
    const again = signLearner(me.split('.')[0]!, second.secret);
    assert.deepEqual(await read(second, again), { 'checks-lesson': ['hostname-is-lab'] });
  });
});
