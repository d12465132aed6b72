/**
 * Lesson 05's cgroups, as a learner does them: each sandbox's session cgroup is delegated to it,
 * so root inside makes child cgroups, limits them and watches the kernel enforce the limits.
 * Runs on whichever cgroup version this host has (v1 hybrid here, v2 in classrooms).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';
import { detectCgroups } from '@byhand/runtime';
import { createSessionCgroup, removeLeftoverCgroups } from '../src/limits.js';
import {
  alive, attachTerminal, createSession, deleteSession, processTree, requireSandboxes, startAgent, TEST_CGROUP_PREFIX,
  TermClient, ttyUrl, waitUntil, type TestAgent,
} from './helpers.js';
import { cgroupShell, learnerShell } from './learner-cgroups.js';

const LESSONS = fileURLToPath(new URL('../../content/lessons', import.meta.url));
let t: TestAgent;
let cg: ReturnType<typeof cgroupShell>;
before(async () => {
  requireSandboxes();
  cg = cgroupShell(detectCgroups().mode === 'v2');
  t = await startAgent({ lessonsDir: LESSONS, limits: { memory: 512 * 1024 * 1024, pids: 128, cpus: 1 } });
});
after(() => t?.close());
afterEach(() => t?.agent.sessions.endAll());

async function open() {
  const { id, token } = await createSession(t, '05-cgroups');
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  return { id, client, sh: learnerShell(client) };
}

/** The session's cgroup directories on the host (one per v1 tree, or the one v2 directory). */
function sessionDirs(id: string): string[] {
  return t.agent.sessions.get(id)!.cgroupProcs.map((file) => dirname(file));
}

async function check(client: TermClient, id: string) {
  const before = client.messages.length;
  client.sendText(JSON.stringify({ type: 'check', id }));
  await waitUntil(`an answer to check ${id}`, () => client.messages.slice(before).some((m) => m.type === 'check' || m.type === 'error'), 15_000);
  return client.messages.slice(before).find((m) => m.type === 'check' || m.type === 'error')!;
}

test('the learner makes a child cgroup with a memory limit and sees a process over it OOM-killed', async () => {
  const { sh } = await open();
  await sh(cg.mount);
  const out = await sh([
    cg.mkdir('mem', 'memory'),
    cg.limitMemory('mem', '64M'),
    `sh -c 'echo $$ > ${cg.procs('mem', 'memory')} && exec stress-ng --vm 1 --vm-bytes 160M --vm-keep --oomable --timeout 8s' >/dev/null 2>&1`,
    `echo "kills=$(${cg.oomKills('mem')})"`,
  ].join(' && '), 30_000);
  const kills = Number(/kills=(\d+)/.exec(out)?.[1]);
  assert.ok(kills >= 1, `no OOM kill in the learner's cgroup mem:\n${out}`);
  assert.match(await sh('echo shell-""alive'), /shell-alive/);
});

test('the learner stops a fork bomb with pids.max in a child cgroup', async () => {
  const { sh } = await open();
  await sh(cg.mount);
  const out = await sh([
    cg.mkdir('forks', 'pids'),
    `echo 20 > ${cg.dir('forks', 'pids')}/pids.max`,
    `bash -c 'echo $$ > ${cg.procs('forks', 'pids')}; bomb() { bomb | bomb & }; bomb' 2>/dev/null`,
    'sleep 2',
    `echo "current=$(cat ${cg.dir('forks', 'pids')}/pids.current) refused=$(awk '$1 == "max" {print $2}' ${cg.dir('forks', 'pids')}/pids.events)"`,
    cg.killAll('forks', 'pids'),
    `echo "left=$(cat ${cg.dir('forks', 'pids')}/pids.current)"`,
  ].join('; '), 30_000);
  const current = Number(/current=(\d+)/.exec(out)?.[1]);
  assert.ok(current > 1 && current <= 20, `the bomb ran ${current} processes in a cgroup with pids.max 20:\n${out}`);
  assert.ok(Number(/refused=(\d+)/.exec(out)?.[1]) > 0, `pids.events counted no refused fork:\n${out}`);
  assert.match(out, /left=0/);
});

test('checks and terminal 2 still work after the learner moved every process, pid 1 included, into a child cgroup', async () => {
  const { id, client, sh } = await open();
  await sh(cg.mount);
  // On v2 the mount step itself moves everything into init/ and enables controllers, as the lesson does.
  await sh(cg.moveAllTo('init'));
  const init = (await t.agent.sessions.get(id)!.initPid())!;
  const lines = readFileSync(`/proc/${init}/cgroup`, 'utf8').trim().split('\n');
  // v2: the one line; v1: the memory and pids trees' lines.
  const moved = cg.v2 ? lines : lines.filter((l) => /^\d+:(memory|pids):/.test(l));
  assert.ok(moved.length > 0 && moved.every((l) => l.endsWith('/init')), `pid 1 is not in the learner's child cgroup init:\n${lines.join('\n')}`);
  const answer = await check(client, 'cgroup-fs');
  assert.equal(answer.type, 'check', JSON.stringify(answer));
  assert.equal((answer as { ok: boolean }).ok, true, JSON.stringify(answer));
  const second = await attachTerminal(t, id, '2');
  await second.run('echo second-""shell-works', 'second-shell-works');
  const shell = processTree((await t.agent.sessions.get(id)!.terminal('2')).pid).at(-1)!;
  const own = readFileSync(`/proc/${shell}/cgroup`, 'utf8');
  for (const dir of sessionDirs(id)) {
    const name = dir.split('/').at(-1)!;
    assert.ok(own.includes(name), `terminal 2's shell is outside the session's cgroup ${dir}:\n${own}`);
  }
});

test('ending the session removes the learner\'s child cgroups with the session\'s, frozen ones included', async () => {
  const { id, sh } = await open();
  const dirs = sessionDirs(id);
  await sh(cg.mount);
  await sh([cg.mkdir('deep', 'memory'), cg.mkdir('deep/er', 'memory'), cg.mkdir('ice', 'freezer')].join(' && '));
  await sh(`setsid -f sh -c 'echo $$ > ${cg.procs('ice', 'freezer')}; exec sleep 1000' </dev/null >/dev/null 2>&1; sleep 0.3; ${cg.freeze('ice')}`);
  const frozen = processTree(t.agent.sessions.get(id)!.pid).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\0' + '1000\0');
  assert.equal(frozen.length, 1, 'the frozen sleep runs');
  assert.ok(dirs.some((d) => existsSync(join(d, 'ice'))) && dirs.some((d) => existsSync(join(d, 'deep', 'er'))), 'the learner made its cgroups');
  assert.equal((await deleteSession(t, id)).status, 204);
  await waitUntil(`the session's cgroups ${dirs.join(', ')} to be removed`, () => dirs.every((d) => !existsSync(d)), 15_000);
  assert.ok(!alive(frozen[0]!), 'the frozen process was killed');
});

test('after a crash, the restarted agent removes leftover session cgroups and the children a learner made in them', async () => {
  const prefix = `${TEST_CGROUP_PREFIX}crash-`;
  const owner = { base: 100_000_000 + 4000 * 65536, count: 65536 };
  const leftover = await createSessionCgroup(prefix, 'gone', { memory: 64 * 1024 * 1024, pids: 16, cpus: 1 }, owner, () => {});
  const dirs = [...new Set(Object.values(leftover.paths))];
  const freezer = leftover.version === 2 ? leftover.path : leftover.paths.freezer!;
  for (const dir of dirs) mkdirSync(join(dir, 'child', 'grandchild'), { recursive: true });
  const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
  writeFileSync(join(freezer, 'child', 'grandchild', 'cgroup.procs'), String(sleeper.pid));
  writeFileSync(join(freezer, 'child', leftover.version === 2 ? 'cgroup.freeze' : 'freezer.state'), leftover.version === 2 ? '1' : 'FROZEN');
  const exited = new Promise((resolve) => sleeper.once('exit', resolve));
  await removeLeftoverCgroups(prefix, () => {});
  await exited;
  for (const dir of dirs) assert.ok(!existsSync(dir), `${dir} is left over`);
});

test('a session deleted just before the agent shuts down still has its cgroups and the learner\'s removed', async () => {
  const other = await startAgent({ lessonsDir: LESSONS });
  const { id, token } = await createSession(other, '05-cgroups');
  const client = await TermClient.open(ttyUrl(other, id, token));
  await client.waitForMessage('ready');
  const sh = learnerShell(client);
  await sh(cg.mount);
  await sh([cg.mkdir('mem', 'memory'), cg.mkdir('ice', 'freezer')].join(' && '));
  const dirs = other.agent.sessions.get(id)!.cgroupProcs.map((file) => dirname(file));
  assert.equal((await deleteSession(other, id)).status, 204);
  await other.close();
  const left = dirs.filter((d) => existsSync(d));
  assert.deepEqual(left, [], 'the agent stopped before removing the ended session\'s cgroups');
});
