/** Sessions survive reloads: detach, reattach with a new token, the same shell and screen. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  alive, attachTerminal, createSession, deleteSession, postSession, postToken, requireSandboxes, sleep, startAgent,
  TermClient, ttyUrl, upgradeStatus, waitUntil, type TestAgent,
} from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent();
});
after(() => t?.close());
afterEach(() => t?.agent.sessions.endAll());

/** The shell's pid, as `echo $$` prints it between two markers. */
async function shellPid(client: TermClient): Promise<string> {
  const from = client.output.length;
  client.type('echo pid-""[$$]\r');
  await waitUntil('the pid line', () => /pid-\[(\d+)\]/.test(client.output.slice(from)));
  return /pid-\[(\d+)\]/.exec(client.output.slice(from))![1]!;
}

describe('reload', () => {
  test('reattaching with a new token shows the screen as it was and the same shell, state intact', async () => {
    const { id, token } = await createSession(t);
    const first = await TermClient.open(ttyUrl(t, id, token));
    await first.waitForMessage('ready');
    await first.run('cd /tmp && LESSON_VAR=kept-42 && echo before-rel""oad', 'before-reload');
    const pid = await shellPid(first);
    await first.close();

    const second = await attachTerminal(t, id);
    const snapshot = second.messages[0];
    assert.equal(snapshot?.type, 'snapshot', `the first message is the snapshot, got ${JSON.stringify(second.messages[0])}`);
    assert.match((snapshot as { data: string }).data, /before-reload/, 'the snapshot shows what was printed');
    assert.match((snapshot as { data: string }).data, new RegExp(`pid-\\[${pid}\\]`));
    second.output = '';
    await second.run('echo "state:$LESSON_VAR:$PWD:""$$"', `state:kept-42:/tmp:${pid}`);
    await second.close();
  });

  test('a newer connection to the terminal replaces the older one (close code 4000)', async () => {
    const { id, token } = await createSession(t);
    const older = await TermClient.open(ttyUrl(t, id, token));
    await older.waitForMessage('ready');
    const newer = await attachTerminal(t, id);
    assert.equal(await older.waitForClose(), 4000);
    await newer.run('echo new""er-works', 'newer-works');
    assert.ok(!older.output.includes('newer-works'), 'the older connection hears nothing more');
    await newer.close();
  });

  test('POST /v1/sessions/<id>/tokens: 201 with a single-use token, 404 for a gone session, 401 without the secret', async () => {
    const { id } = await createSession(t);
    const res = await postToken(t, id);
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    const client = await TermClient.open(ttyUrl(t, id, token));
    await client.waitForMessage('ready');
    assert.equal(await upgradeStatus(ttyUrl(t, id, token)), 401, 'a used token is refused');
    const anon = await fetch(`${t.base}/v1/sessions/${id}/tokens`, { method: 'POST' });
    assert.equal(anon.status, 401);
    await deleteSession(t, id);
    const gone = await postToken(t, id);
    assert.equal(gone.status, 404);
    assert.match(((await gone.json()) as { error: string }).error, /there is no session/);
  });

  test('another session\'s token does not open this session', async () => {
    const a = await createSession(t);
    const b = await createSession(t);
    assert.equal(await upgradeStatus(ttyUrl(t, a.id, b.token)), 401);
    const client = await TermClient.open(ttyUrl(t, b.id, b.token));
    await client.waitForMessage('ready');
    await client.close();
  });
});

describe('timeouts', () => {
  test('the idle timeout ends a detached session; an attached one is not idle', async () => {
    const quick = await startAgent({ idleTimeoutMs: 1_500 });
    try {
      const { id, token } = await createSession(quick);
      const client = await TermClient.open(ttyUrl(quick, id, token));
      await client.waitForMessage('ready');
      const pid = quick.agent.sessions.get(id)!.pid;
      await sleep(2_000);
      assert.ok(alive(pid), 'an attached session outlives the idle timeout');
      await client.close();
      await waitUntil(`pid ${pid} to be gone`, () => !alive(pid), 5_000);
      assert.equal((await postToken(quick, id)).status, 404);
      assert.ok(quick.logs.some((l) => l.startsWith('session expired') && l.includes('idle timeout')));
    } finally {
      await quick.close();
    }
  });

  test('the maximum lifetime ends a session even while attached: the client gets exit', async () => {
    const brief = await startAgent({ maxLifetimeMs: 2_000 });
    try {
      const { id, token } = await createSession(brief);
      const client = await TermClient.open(ttyUrl(brief, id, token));
      await client.waitForMessage('ready');
      assert.deepEqual(await client.waitForMessage('exit', 5_000), { type: 'exit', code: 137 });
      await client.waitForClose();
      assert.equal(brief.agent.sessions.get(id), undefined);
    } finally {
      await brief.close();
    }
  });
});
