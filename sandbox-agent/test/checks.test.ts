/** Checks and terminal 2: both run inside the learner's sandbox through the runtime's exec mode. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { CHECK_OUTPUT_LIMIT } from '../src/index.js';
import {
  alive, attachTerminal, createSession, processTree, requireSandboxes, startAgent, TermClient, ttyUrl, upgradeStatus,
  waitUntil, type TestAgent,
} from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent();
});
after(() => t?.close());
afterEach(() => t?.agent.sessions.endAll());

async function open(lesson = 'checks-lesson') {
  const { id, token } = await createSession(t, lesson);
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  return { id, client };
}

async function check(client: TermClient, id: string, timeoutMs = 15_000) {
  const before = client.messages.length;
  client.sendText(JSON.stringify({ type: 'check', id }));
  await waitUntil(`an answer to check ${id}`, () => client.messages.slice(before).some((m) => m.type === 'check' || m.type === 'error'), timeoutMs);
  return client.messages.slice(before).find((m) => m.type === 'check' || m.type === 'error')!;
}

describe('checks', () => {
  test('a check that passes runs inside the sandbox: its hostname is the sandbox\'s', async () => {
    const { id, client } = await open();
    assert.deepEqual(await check(client, 'hostname-is-lab'), {
      type: 'check', id: 'hostname-is-lab', ok: true, message: `hostname is ${t.agent.sessions.get(id)!.hostname}`,
    });
  });

  test('a check that fails answers ok:false with its message, and passes once the learner did the step', async () => {
    const { client } = await open();
    assert.deepEqual(await check(client, 'file-exists'), {
      type: 'check', id: 'file-exists', ok: false, message: 'create /root/made-by-learner first',
    });
    await client.run('touch /root/made-by-learner && echo to""uched', 'touched');
    assert.deepEqual(await check(client, 'file-exists'), { type: 'check', id: 'file-exists', ok: true, message: 'found it' });
  });

  test('a check that runs too long is stopped after 10 s and fails saying so', async () => {
    const { client } = await open();
    const started = Date.now();
    assert.deepEqual(await check(client, 'sleeps', 20_000), {
      type: 'check', id: 'sleeps', ok: false, message: 'the check did not finish within 10 s',
    });
    assert.ok(Date.now() - started < 13_000, `the answer took ${Date.now() - started} ms`);
    await client.run('pgrep -x sleep || echo no-""sleep-left', 'no-sleep-left');
  });

  test('a check\'s output is capped at 4 KiB', async () => {
    const { client } = await open();
    const answer = (await check(client, 'chatty')) as { ok: boolean; message: string };
    assert.equal(answer.ok, false);
    assert.ok(answer.message.startsWith('xxxx'));
    assert.ok(answer.message.length <= CHECK_OUTPUT_LIMIT + 40, `the message is ${answer.message.length} characters`);
    assert.match(answer.message, /output cut at 4 KiB/);
  });

  test('an unknown check id, or one from another lesson, gets an error frame and the session goes on', async () => {
    const { client } = await open();
    assert.deepEqual(await check(client, 'no-such-check'), {
      type: 'error', code: 'unknown-check', message: 'lesson checks-lesson has no check "no-such-check"',
    });
    const other = await open('namespaces');
    assert.equal((await check(other.client, 'hostname-is-lab')).type, 'error');
    client.sendText(JSON.stringify({ type: 'check', id: '../../../etc/passwd' }));
    assert.equal((await client.waitForMessage('error')).code, 'unknown-check');
    await waitUntil('the bad-check error', () => client.messages.some((m) => m.type === 'error' && m.code === 'bad-check'));
    await client.run('echo still-""here', 'still-here');
  });
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // it ended while we looked
  }
}

describe('terminal 2', () => {
  test('is a second shell in the same sandbox: same hostname, same files, other pid', async () => {
    const { id, client } = await open();
    await client.run('echo shared-by-one > /tmp/shared && echo "one:$(hostname):""$$"', 'one:');
    const second = await attachTerminal(t, id, '2');
    await second.run('echo "two:$(hostname):$(cat /tmp/shared)"', `two:${t.agent.sessions.get(id)!.hostname}:shared-by-one`);
    await second.run('echo made-by-two > /tmp/from-two; echo wr""ote', 'wrote');
    await client.run('echo "one-sees:$(cat /tmp/from-two)"', 'one-sees:made-by-two');
    assert.equal(client.closeCode, null, 'terminal 1 stays attached');
  });

  test('its processes die with the session', async () => {
    const { id } = await open();
    const second = await attachTerminal(t, id, '2');
    await second.run('sleep 999 & echo sleep-""started', 'sleep-started');
    const session = t.agent.sessions.get(id)!;
    const pids = [...processTree(session.pid), ...processTree((await session.terminal('2')).pid)];
    assert.ok(pids.length >= 6, `expected both helpers, init, two shells and sleep, found ${pids.join(' ')}`);
    t.agent.sessions.end(id);
    await second.waitForClose();
    await waitUntil(`pids ${pids.join(' ')} to be gone`, () => pids.every((p) => !alive(p)));
  });

  test('its shell and what it starts run in the session\'s cgroup, under its limits', async () => {
    const { id } = await open();
    const second = await attachTerminal(t, id, '2');
    await second.run('sleep 998 & echo sleep-""started', 'sleep-started');
    const helper = (await t.agent.sessions.get(id)!.terminal('2')).pid;
    // The shell echoes as soon as it has forked; the child may not have exec'd sleep yet.
    let sleeper: number | undefined;
    await waitUntil('sleep 998 to run below terminal 2\'s helper', () => {
      sleeper = processTree(helper).find((pid) => cmdline(pid) === 'sleep\0' + '998\0');
      return sleeper !== undefined;
    });
    const files = t.agent.sessions.get(id)!.cgroupProcs;
    assert.ok(files.length > 0);
    for (const file of files) {
      assert.ok(readFileSync(file, 'utf8').split('\n').includes(String(sleeper)), `${file} lists the sleep`);
    }
  });

  test('exiting terminal 2 leaves the session running; attaching again starts a new second shell', async () => {
    const { id, client } = await open();
    const second = await attachTerminal(t, id, '2');
    second.type('exit 5\r');
    assert.deepEqual(await second.waitForMessage('exit'), { type: 'exit', code: 5 });
    assert.equal(await second.waitForClose(), 1000);
    await client.run('echo one-still-""here', 'one-still-here');
    const again = await attachTerminal(t, id, '2');
    await again.run('echo two-ag""ain', 'two-again');
  });

  test('terminal 3 does not exist (400)', async () => {
    const { id, token } = await createSession(t);
    assert.equal(await upgradeStatus(ttyUrl(t, id, token, '3')), 400);
  });
});

test('/metrics counts checks by result, error frames, terminal bytes and sandbox start times', async () => {
  const text = await (await fetch(`${t.base}/metrics`)).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"+]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);
  // The checks above: hostname-is-lab and file-exists (second try) passed; file-exists, sleeps and chatty failed.
  assert.ok(value('byhand_checks_total{result="pass"}') >= 2, text);
  assert.ok(value('byhand_checks_total{result="fail"}') >= 3, text);
  assert.ok(value('byhand_error_frames_total') >= 3, 'unknown checks are error frames');
  assert.ok(value('byhand_terminal_bytes_total{direction="to_client"}') > 1000);
  assert.ok(value('byhand_terminal_bytes_total{direction="from_client"}') > 50);
  const starts = value('byhand_sandbox_start_seconds_count');
  assert.ok(starts >= 5, `${starts} sandbox starts measured`);
  assert.equal(value('byhand_sandbox_start_seconds_bucket{le="+Inf"}'), starts);
});
