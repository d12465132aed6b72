/** The agent as a service: `tsx src/main.ts` configured by the environment, stopped by a signal. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { findCgroups } from '@byhand/runtime';
import { agentHeaders, alive, LAB_IMAGE, processTree, requireSandboxes, TermClient, TEST_CGROUP_PREFIX, waitUntil, learner } from './helpers.js';

const agentDir = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function startMain(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: agentDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      BYHAND_STATE_DIR: process.env.BYHAND_STATE_DIR!,
      // No sandboxes made ahead unless a test asks: they would blur the counts these tests make.
      BYHAND_POOL_SIZE: '0',
      // The same helper as the rest of the tests, when they are pointed at another build.
      ...(process.env.BYHAND_INIT_HELPER ? { BYHAND_INIT_HELPER: process.env.BYHAND_INIT_HELPER } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

/** The agent's log entries (one JSON object a line) for `event` that have every field in `fields`. */
function logged(out: string, event: string, fields: Record<string, unknown> = {}): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((e) => e.event === event && Object.entries(fields).every(([k, v]) => e[k] === v));
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

before(() => requireSandboxes());

test('serves on BYHAND_AGENT_PORT, logs each event and on SIGTERM kills every sandbox and exits 0', async () => {
  const port = await freePort();
  const secret = 'main-test-secret';
  const agent = startMain({
    BYHAND_AGENT_PORT: String(port),
    BYHAND_AGENT_HOST: '127.0.0.1',
    BYHAND_AGENT_SECRET: secret,
    BYHAND_LAB_IMAGE: LAB_IMAGE,
  });
  try {
    await waitUntil(`the agent to log "listening"; stderr: ${agent.err()}`, () => logged(agent.out(), 'listening').length > 0);
    const [listening] = logged(agent.out(), 'listening');
    assert.match(String(listening!.time), /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.deepEqual({ ...listening, time: 0 }, { time: 0, event: 'listening', host: '127.0.0.1', port });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await health.json(), { ok: true, sessions: 0 });

    const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST',
      headers: agentHeaders(secret),
      body: '{"lesson":"what-is-a-container"}',
    });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    await waitUntil('the "session created" line', () => logged(agent.out(), 'session created', { id }).length > 0);
    const [created] = logged(agent.out(), 'session created', { id });
    assert.equal(created!.lesson, 'what-is-a-container');
    const helperPid = Number(created!.pid);
    await waitUntil('the shell to start in the sandbox', () => processTree(helperPid).length >= 3);
    const sandbox = processTree(helperPid);

    agent.child.kill('SIGTERM');
    assert.equal(await exitOf(agent.child), 0);
    await waitUntil(`sandbox pids ${sandbox.join(' ')} to be gone`, () => sandbox.every((p) => !alive(p)));
    assert.equal(logged(agent.out(), 'shutting down', { signal: 'SIGTERM', sessions: 1 }).length, 1);
    assert.equal(logged(agent.out(), 'session ended', { id, exit: 137 }).length, 1);
    assert.equal(logged(agent.out(), 'stopped').length, 1);
    assert.deepEqual(findCgroups(TEST_CGROUP_PREFIX), [], 'the session\'s cgroup is removed');
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

/** Now, in clock ticks since boot (the unit of /proc/PID/stat's start time; 100 a second on Linux). */
function uptimeTicks(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
}

function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/**
 * Processes on the host still in network namespace `ns` that started before `ticks`. Once the
 * namespace is freed the kernel may give its inode number to a new one (other tests run beside
 * us): processes started later are not ours.
 */
function holdersOfNet(ns: string, ticks: number): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === ns && startTicks(pid) <= ticks;
    } catch {
      return false; // ended while we looked
    }
  });
}

async function startSession(port: number, secret: string): Promise<{ id: string; term: TermClient }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
    method: 'POST', headers: agentHeaders(secret), body: '{"lesson":"namespaces"}',
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id, token } = (await res.json()) as { id: string; token: string };
  return { id, term: await TermClient.open(`ws://127.0.0.1:${port}/v1/sessions/${id}/tty?token=${token}`) };
}

const hostLinks = () => readdirSync('/sys/class/net').sort();
const CRASH_SESSIONS = 5;

test(`SIGKILL of the agent with ${CRASH_SESSIONS} live sessions, then a restart: no process, mount, cgroup, network namespace, veth or session file is left`, async () => {
  const port = await freePort();
  const secret = 'crash-test-secret';
  const runDir = join(process.env.BYHAND_STATE_DIR!, 'sessions');
  const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
  const linksBefore = hostLinks();
  const env = {
    BYHAND_AGENT_PORT: String(port), BYHAND_AGENT_HOST: '127.0.0.1', BYHAND_AGENT_SECRET: secret, BYHAND_LAB_IMAGE: LAB_IMAGE,
    BYHAND_MAX_SESSIONS_PER_LEARNER: String(CRASH_SESSIONS),
  };
  const agent = startMain(env);
  try {
    await waitUntil('the agent to listen', () => logged(agent.out(), 'listening').length > 0);
    const sessions = await Promise.all(Array.from({ length: CRASH_SESSIONS }, () => startSession(port, secret)));
    // What lessons leave running: a background process, a veth pair, a nested mount.
    for (const { term } of sessions) {
      term.type('sleep 1000 & ip link add v0 type veth peer name v1 && mount -t tmpfs t /mnt && echo star""ted\n');
    }
    await Promise.all(sessions.map(({ term }) => term.waitForOutput('started')));
    const ids = sessions.map((s) => s.id).sort();
    const trees = ids.map((id) => processTree(Number(logged(agent.out(), 'session created', { id })[0]!.pid)));
    for (const tree of trees) assert.ok(tree.length >= 4, 'helper, init, bash and sleep run');
    const nets = trees.map((tree) => readlinkSync(`/proc/${tree.at(-1)}/ns/net`));
    assert.ok(!nets.includes(readlinkSync('/proc/self/ns/net')), 'each sandbox has its own network namespace');
    assert.deepEqual(readdirSync(runDir).sort(), ids, 'each live session has its trace directory');

    const killedAt = uptimeTicks();
    agent.child.kill('SIGKILL');
    const all = trees.flat();
    await waitUntil(`sandbox pids ${all.join(' ')} to be gone`, () => all.every((p) => !alive(p)));
    await waitUntil('no process left in any sandbox network namespace', () =>
      nets.every((ns) => holdersOfNet(ns, killedAt).length === 0));
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore, 'no mount is left on the host');
    assert.deepEqual(hostLinks(), linksBefore, 'no veth is left on the host');

    // The kernel removes neither directories nor cgroups: those are the restart's job.
    assert.deepEqual(findCgroups(TEST_CGROUP_PREFIX).map((c) => c.name).sort(), ids.map((id) => `${TEST_CGROUP_PREFIX}${id}`));
    const again = startMain(env);
    try {
      await waitUntil(`the restarted agent to listen; stderr: ${again.err()}`, () => logged(again.out(), 'listening').length > 0);
      const [removed] = logged(again.out(), 'removed leftover cgroups', { count: CRASH_SESSIONS });
      assert.deepEqual(String(removed?.names).split(',').sort(), ids.map((id) => `${TEST_CGROUP_PREFIX}${id}`));
      assert.equal(logged(again.out(), 'removed leftover session files', { count: CRASH_SESSIONS }).length, 1);
      assert.deepEqual(findCgroups(TEST_CGROUP_PREFIX), []);
      assert.deepEqual(readdirSync(runDir), []);
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);
      assert.deepEqual(hostLinks(), linksBefore);
    } finally {
      again.child.kill('SIGKILL');
    }
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

test('keeps serving when its log reader goes away (EPIPE on stdout)', async () => {
  const port = await freePort();
  const secret = 'epipe-test-secret';
  const agent = startMain({
    BYHAND_AGENT_PORT: String(port), BYHAND_AGENT_HOST: '127.0.0.1', BYHAND_AGENT_SECRET: secret, BYHAND_LAB_IMAGE: LAB_IMAGE,
  });
  try {
    await waitUntil('the agent to listen', () => logged(agent.out(), 'listening').length > 0);
    agent.child.stdout!.destroy();
    const { id, term } = await startSession(port, secret); // logs "session created" into the closed pipe
    term.type('echo still""here\n');
    await term.waitForOutput('stillhere');
    await term.close();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await health.json(), { ok: true, sessions: 1 }, `session ${id} is served; stderr: ${agent.err()}`);
    agent.child.kill('SIGTERM');
    assert.equal(await exitOf(agent.child), 0, `it stops cleanly; stderr: ${agent.err()}`);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

test('a bad setting stops the agent at once with a message naming it', async () => {
  const agent = startMain({ BYHAND_AGENT_SECRET: 'x', BYHAND_MAX_SESSIONS: 'lots' });
  assert.equal(await exitOf(agent.child), 1);
  assert.match(agent.err(), /BYHAND_MAX_SESSIONS must be a whole number of at least 1, got "lots"/);
});

test('BYHAND_CONFIG: the file\'s settings apply, the environment wins over them', async () => {
  const port = await freePort();
  const file = join(process.env.BYHAND_STATE_DIR!, 'config-test.json');
  writeFileSync(file, JSON.stringify({ BYHAND_AGENT_PORT: port, BYHAND_AGENT_HOST: '0.0.0.0', BYHAND_MAX_SESSIONS: 1, BYHAND_AGENT_SECRET: 'from-file' }));
  const agent = startMain({ BYHAND_CONFIG: file, BYHAND_AGENT_HOST: '127.0.0.1', BYHAND_LAB_IMAGE: LAB_IMAGE });
  try {
    await waitUntil(`the agent to listen; stderr: ${agent.err()}`, () => logged(agent.out(), 'listening').length > 0);
    assert.deepEqual({ ...logged(agent.out(), 'listening')[0], time: 0 }, { time: 0, event: 'listening', host: '127.0.0.1', port });
    const post = () => fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST', headers: agentHeaders('from-file', learner('from-file')), body: '{"lesson":"namespaces"}',
    });
    assert.equal((await post()).status, 201);
    assert.equal((await post()).status, 503, 'BYHAND_MAX_SESSIONS 1 came from the file');
  } finally {
    // SIGTERM: the agent removes the session's cgroup on its way out.
    agent.child.kill('SIGTERM');
    await exitOf(agent.child);
  }
  assert.deepEqual(findCgroups(TEST_CGROUP_PREFIX), []);
});

test('a bad config file stops the agent at once with a message naming the file and what is wrong', async () => {
  const dir = process.env.BYHAND_STATE_DIR!;
  const cases: [string, string | null, RegExp][] = [
    ['broken.json', '{"BYHAND_MAX_SESSIONS": 4,', /broken\.json is not valid JSON/],
    ['unknown.json', '{"BYHAND_MAX_SESIONS": 4}', /unknown\.json has an unknown setting "BYHAND_MAX_SESIONS"/],
    ['array.json', '[1]', /array\.json must hold one JSON object/],
    ['nested.json', '{"BYHAND_MAX_SESSIONS": {"n": 4}}', /BYHAND_MAX_SESSIONS in the config file .*nested\.json must be a string or a number/],
    ['bad-value.json', '{"BYHAND_SESSION_RATE": "often"}', /BYHAND_SESSION_RATE must be a whole number of at least 1, got "often"/],
    ['missing.json', null, /cannot read the config file .*missing\.json/],
  ];
  for (const [name, text, message] of cases) {
    const file = join(dir, name);
    if (text !== null) writeFileSync(file, text);
    const agent = startMain({ BYHAND_AGENT_SECRET: 'x', BYHAND_CONFIG: file });
    assert.equal(await exitOf(agent.child), 1, name);
    assert.match(agent.err(), message);
  }
});
