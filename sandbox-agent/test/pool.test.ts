/**
 * The pool of sandboxes made ahead (pool.ts), on a real agent with real sandboxes: a pooled
 * sandbox is fresh, belongs to the one learner it was handed to, the pool refills within the
 * agent's caps, and nothing of it is left once the agent stops.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { DEFAULT_POOL_SIZE, defaultPoolSize, POOL_MEMORY_FLOOR } from '../src/pool.js';
import {
  attachTerminal, createSession, deleteSession, LAB_IMAGE, learner, listSessions, postSession, postToken, requireSandboxes,
  sleep, startAgent, TEST_CGROUP_PREFIX, waitUntil, type TestAgent,
} from './helpers.js';

before(() => requireSandboxes());

async function poolReady(t: TestAgent): Promise<number> {
  const text = await (await fetch(`${t.base}/metrics`)).text();
  const line = /^byhand_pool_ready (\d+)$/m.exec(text);
  assert.ok(line, `/metrics has no byhand_pool_ready:\n${text}`);
  return Number(line[1]);
}

async function waitForPool(t: TestAgent, ready: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let now = await poolReady(t);
  while (now !== ready) {
    if (Date.now() > deadline) throw new Error(`the pool has ${now} sandboxes ready after ${timeoutMs} ms, not ${ready}`);
    await sleep(50);
    now = await poolReady(t);
  }
}

/** Whether the agent's log says session `id` came from the pool. */
function wasPooled(t: TestAgent, id: string): boolean {
  const line = t.logs.find((l) => l.startsWith('session created') && l.includes(`"id":"${id}"`));
  assert.ok(line, `no "session created" line for ${id}: ${t.logs.join('\n')}`);
  return line.includes('"pooled":true');
}

/** Host processes in this test process's sandbox cgroups, whatever their state. */
function sandboxProcesses(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(TEST_CGROUP_PREFIX);
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}

function sandboxCgroups(): string[] {
  const out = execFileSync('find', ['/sys/fs/cgroup', '-type', 'd', '-name', `${TEST_CGROUP_PREFIX}*`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

describe('a pooled sandbox', () => {
  let t: TestAgent;
  before(async () => {
    t = await startAgent({ poolSize: 2 });
  });
  after(() => t.close());

  test('the pool fills up to its size before anyone asks', async () => {
    await waitForPool(t, 2);
    assert.equal((await (await fetch(`${t.base}/healthz`)).json() as { sessions: number }).sessions, 0, 'pooled sandboxes are no one\'s sessions');
  });

  test('is fresh: nothing of the learner before it, not a file, a process, a line of history or a hostname', async () => {
    await waitForPool(t, 2);
    const first = learner(t.secret);
    const before = await createSession(t, 'namespaces', undefined, first);
    assert.ok(wasPooled(t, before.id), 'the first learner got a pooled sandbox');
    const a = await attachTerminal(t, before.id, undefined, first);
    await a.run('echo kept > /root/left-behind; sleep 1000 & history -w; echo "A-$((20+1))"', 'A-21');
    const aHost = t.agent.sessions.get(before.id)!.hostname;
    await a.close();
    assert.equal((await deleteSession(t, before.id, first)).status, 204);

    const second = learner(t.secret);
    const after = await createSession(t, 'namespaces', undefined, second);
    assert.ok(wasPooled(t, after.id), 'the second learner got a pooled sandbox too');
    assert.notEqual(after.id, before.id);
    const b = await attachTerminal(t, after.id, undefined, second);
    await b.run(
      // $((1)) prints as 1: the fields below match the answers, not the echo of the typed line.
      'echo "root$((1))=[$(ls -A /root | sort | tr "\\n" " ")]"; echo "procs$((1))=[$(ps -e -o comm= | sort -u | tr "\\n" " ")]"; ' +
        'echo "host$((1))=[$(hostname)]"; echo "history$((1))=[$(cat /root/.bash_history 2>/dev/null | wc -l)]"; echo "B-$((40+2))"',
      'B-42',
    );
    const field = (name: string) => new RegExp(`${name}1=\\[([^\\]]*)\\]`).exec(b.output)?.[1] ?? assert.fail(`no ${name} in ${b.output}`);
    const imageRoot = readdirSync(join(LAB_IMAGE, 'root')).sort().join(' ');
    assert.equal(field('root').trim(), imageRoot, 'the home directory is the image\'s, nothing added');
    assert.doesNotMatch(field('procs'), /sleep/, 'no process of the learner before');
    assert.notEqual(field('host'), aHost, 'a hostname of its own');
    assert.equal(field('history'), '0', 'no shell history');
    await b.close();
    await deleteSession(t, after.id, second);
  });

  test('belongs to the one learner it was handed to', async () => {
    await waitForPool(t, 2);
    const [first, second] = [learner(t.secret), learner(t.secret)];
    const mine = await createSession(t, 'namespaces', undefined, first);
    const theirs = await createSession(t, 'namespaces', undefined, second);
    assert.ok(wasPooled(t, mine.id) && wasPooled(t, theirs.id), 'both came from the pool');
    assert.notEqual(mine.id, theirs.id);
    assert.deepEqual((await listSessions(t, second)).map((s) => s.id), [theirs.id]);
    assert.equal((await postToken(t, mine.id, second)).status, 404, 'no token for another learner\'s pooled sandbox');
    assert.equal((await deleteSession(t, mine.id, second)).status, 404, 'nor can they end it');
    await deleteSession(t, mine.id, first);
    await deleteSession(t, theirs.id, second);
  });
});

test('the pool refills as learners take from it, and only as far as the class has room', async () => {
  const t = await startAgent({ poolSize: 2, maxSessions: 3 });
  try {
    await waitForPool(t, 2);
    const taken = [await createSession(t, 'namespaces', undefined, learner(t.secret)), await createSession(t, 'namespaces', undefined, learner(t.secret))];
    assert.ok(taken.every((s) => wasPooled(t, s.id)));
    // Two learners' sandboxes and one made ahead fill a class of three.
    await waitForPool(t, 1);
    await sleep(1500);
    assert.equal(await poolReady(t), 1, 'the pool stays within the class size');
    const thirdLearner = learner(t.secret);
    const third = await createSession(t, 'namespaces', undefined, thirdLearner);
    assert.ok(wasPooled(t, third.id));
    const refused = await postSession(t, 'namespaces', undefined, learner(t.secret));
    assert.equal(refused.status, 503, 'a fourth learner finds the class full, pool or not');
    assert.equal(await poolReady(t), 0);
    assert.equal(new Set([...taken, third].map((s) => s.id)).size, 3, 'three sandboxes, one each');
    assert.equal((await deleteSession(t, third.id, thirdLearner)).status, 204);
    await waitForPool(t, 1); // the place it held is the pool's again
  } finally {
    await t.close();
  }
});

test('a learner who comes while the pool makes the class\'s last place gets it; the pool drops its own', async () => {
  // listen() starts the pool: its one sandbox is being made when this request arrives.
  const t = await startAgent({ poolSize: 1, maxSessions: 1 });
  try {
    const res = await postSession(t, 'namespaces', undefined, learner(t.secret));
    assert.equal(res.status, 201, await res.clone().text());
    await sleep(1000);
    assert.equal(await poolReady(t), 0, 'no sandbox waits beyond the class size');
    await waitUntil('one sandbox in all', () => sandboxCgroupNames().size === 1);
  } finally {
    await t.close();
  }
});

test('a stopping agent ends the pooled sandboxes with the others, leaving no process and no cgroup', async () => {
  const t = await startAgent({ poolSize: 3 });
  await waitForPool(t, 3);
  const who = learner(t.secret);
  const { id } = await createSession(t, 'namespaces', undefined, who);
  const term = await attachTerminal(t, id, undefined, who);
  await term.run('echo "up-$((1+2))"', 'up-3');
  assert.ok(sandboxProcesses().length >= 4, 'the pool\'s sandboxes and the learner\'s are running');
  await t.close();
  await waitUntil('every sandbox process to end', () => sandboxProcesses().length === 0);
  assert.deepEqual(sandboxCgroups(), [], 'no sandbox cgroup is left');
});

/** The session ids of this test process's sandbox cgroups. */
function sandboxCgroupNames(): Set<string> {
  return new Set(sandboxCgroups().map((dir) => dir.slice(dir.lastIndexOf(TEST_CGROUP_PREFIX) + TEST_CGROUP_PREFIX.length).split('/')[0]!));
}

describe('BYHAND_POOL_SIZE', () => {
  test('a number of sandboxes, 0 for none; anything else is refused saying what it should be', () => {
    assert.equal(loadConfig({}).poolSize, 'auto');
    assert.equal(loadConfig({ BYHAND_POOL_SIZE: '0' }).poolSize, 0);
    assert.equal(loadConfig({ BYHAND_POOL_SIZE: '25' }).poolSize, 25);
    assert.equal(loadConfig({ BYHAND_POOL_SIZE: '80', BYHAND_MAX_SESSIONS: '30' }).poolSize, 30, 'never more than the class');
    assert.throws(() => loadConfig({ BYHAND_POOL_SIZE: 'lots' }), /BYHAND_POOL_SIZE must be a whole number, 0 or more, got "lots"/);
    assert.throws(() => loadConfig({ BYHAND_POOL_SIZE: '-1' }), /BYHAND_POOL_SIZE must be a whole number/);
  });

  test('unset, a pool for the first rush of a class; none when memory is tight or each sandbox needs a scratch disk', () => {
    assert.equal(defaultPoolSize(50, POOL_MEMORY_FLOOR, false), DEFAULT_POOL_SIZE);
    assert.equal(defaultPoolSize(4, 16 * POOL_MEMORY_FLOOR, false), 4);
    assert.equal(defaultPoolSize(50, POOL_MEMORY_FLOOR - 1, false), 0);
    assert.equal(defaultPoolSize(50, 16 * POOL_MEMORY_FLOOR, true), 0);
  });

  test('unset, the agent logs the size it chose and why it is what it is', async () => {
    const t = await startAgent({ poolSize: 'auto', scratch: 'on' });
    try {
      assert.ok(t.logs.includes('pool {"size":0,"setting":"auto"}'), t.logs.join('\n'));
    } finally {
      await t.close();
    }
  });
});
