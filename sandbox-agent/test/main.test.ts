/** The agent as a service: `tsx src/main.ts` configured by the environment, stopped by a signal. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { alive, LAB_IMAGE, processTree, requireSandboxes, TermClient, waitUntil } from './helpers.js';

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
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BYHAND_STATE_DIR: process.env.BYHAND_STATE_DIR!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
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
    await waitUntil(`the agent to log "listening"; stderr: ${agent.err()}`, () => agent.out().includes(' listening '));
    assert.match(agent.out(), /^\d{4}-\d\d-\d\dT[\d:.]+Z listening host=127\.0\.0\.1 port=\d+$/m);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await health.json(), { ok: true, sessions: 0 });

    const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
      body: '{"lesson":"what-is-a-container"}',
    });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    const created = new RegExp(`session created id=${id} lesson=what-is-a-container pid=(\\d+)`);
    await waitUntil('the "session created" line', () => created.test(agent.out()));
    const helperPid = Number(created.exec(agent.out())![1]);
    await waitUntil('the shell to start in the sandbox', () => processTree(helperPid).length >= 3);
    const sandbox = processTree(helperPid);

    agent.child.kill('SIGTERM');
    assert.equal(await exitOf(agent.child), 0);
    await waitUntil(`sandbox pids ${sandbox.join(' ')} to be gone`, () => sandbox.every((p) => !alive(p)));
    assert.match(agent.out(), /shutting down signal=SIGTERM sessions=1$/m);
    assert.match(agent.out(), new RegExp(`session ended id=${id} exit=137`));
    assert.match(agent.out(), /Z stopped$/m);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

/** Processes on the host still in network namespace `ns`. */
function holdersOfNet(ns: string): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === ns;
    } catch {
      return false; // ended while we looked
    }
  });
}

test('a crash of the agent (SIGKILL) leaves no process, mount or network namespace behind', async () => {
  const port = await freePort();
  const secret = 'crash-test-secret';
  const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
  const agent = startMain({
    BYHAND_AGENT_PORT: String(port), BYHAND_AGENT_HOST: '127.0.0.1', BYHAND_AGENT_SECRET: secret, BYHAND_LAB_IMAGE: LAB_IMAGE,
  });
  try {
    await waitUntil('the agent to listen', () => agent.out().includes(' listening '));
    const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST', headers: { Authorization: `Bearer ${secret}` }, body: '{"lesson":"namespaces"}',
    });
    const { id, token } = (await res.json()) as { id: string; token: string };
    const term = await TermClient.open(`ws://127.0.0.1:${port}/v1/sessions/${id}/tty?token=${token}`);
    term.type('sleep 1000 & echo started\n');
    await term.waitForOutput('started');
    const helperPid = Number(/session created id=\S+ lesson=\S+ pid=(\d+)/.exec(agent.out())![1]);
    const sandbox = processTree(helperPid);
    assert.ok(sandbox.length >= 4, 'helper, init, bash and sleep run');
    const sandboxNet = readlinkSync(`/proc/${sandbox.at(-1)}/ns/net`);
    assert.notEqual(sandboxNet, readlinkSync('/proc/self/ns/net'), 'the sandbox has its own network namespace');

    agent.child.kill('SIGKILL');
    await waitUntil(`sandbox pids ${sandbox.join(' ')} to be gone`, () => sandbox.every((p) => !alive(p)));
    await waitUntil('no process left in the sandbox network namespace', () => holdersOfNet(sandboxNet).length === 0);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

test('a bad setting stops the agent at once with a message naming it', async () => {
  const agent = startMain({ BYHAND_AGENT_SECRET: 'x', BYHAND_MAX_SESSIONS: 'lots' });
  assert.equal(await exitOf(agent.child), 1);
  assert.match(agent.err(), /BYHAND_MAX_SESSIONS must be a whole number of at least 1, got "lots"/);
});
