/**
 * Scratch disks (BYHAND_SCRATCH): an ext4 /scratch per sandbox for kernels whose tmpfs cannot keep
 * user.* attributes. Forced on here (this host's tmpfs may keep them), with lesson 06's own
 * solutions and checks run on it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { mountsBelow, parseScratchMode, ScratchDisks, scratchDirOf, tmpfsKeepsUserXattrs } from '../src/scratch.js';
import { agentHeaders, attachTerminal, createSession, deleteSession, LAB_IMAGE, requireSandboxes, requireSetupTools, startAgent, TermClient, waitUntil, type TestAgent } from './helpers.js';

const LESSON = '06-overlay';
const LESSONS = fileURLToPath(new URL('../../content/lessons', import.meta.url));
const SCRATCH_DIR = scratchDirOf(process.env.BYHAND_STATE_DIR!);

/** Loop devices backed by this test's scratch disks, as `losetup -a` lists them. */
function loops(): string {
  return execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(SCRATCH_DIR)).join('\n');
}

/** What the host itself holds of scratch disks: mounts and session directories (images). */
function hostHolds(): { mounts: string[]; dirs: string[] } {
  return { mounts: mountsBelow(SCRATCH_DIR), dirs: existsSync(SCRATCH_DIR) ? readdirSync(SCRATCH_DIR) : [] };
}
const leftovers = () => ({ ...hostHolds(), loops: loops() });
const hostLetGo = () => JSON.stringify(hostHolds()) === JSON.stringify({ mounts: [], dirs: [] });
const isClean = () => hostLetGo() && loops() === '';

describe('settings and detection', () => {
  test('BYHAND_SCRATCH is auto by default, takes on and off, and refuses anything else naming the choices', () => {
    assert.equal(parseScratchMode(undefined), 'auto');
    assert.equal(parseScratchMode(''), 'auto');
    for (const mode of ['auto', 'on', 'off'] as const) assert.equal(parseScratchMode(mode), mode);
    assert.equal(loadConfig({ BYHAND_SCRATCH: 'on' }).scratch, 'on');
    assert.throws(() => loadConfig({ BYHAND_SCRATCH: 'yes' }), /BYHAND_SCRATCH must be "auto".*"on".*"off".*got "yes"/);
  });

  test('the tmpfs probe finds user.* attributes exactly on Linux 6.6 and later', async () => {
    const [major, minor] = release().split('.').map(Number) as [number, number];
    assert.equal(await tmpfsKeepsUserXattrs(), major > 6 || (major === 6 && minor >= 6), `kernel ${release()}`);
  });

  test('mount points are read from mountinfo with their escapes undone, deepest first', () => {
    const info = [
      '36 35 98:0 / /srv/s rw - ext4 /dev/loop1 rw',
      '37 36 98:0 / /srv/s/a\\040b/mnt rw - ext4 /dev/loop2 rw',
      '38 35 98:0 / /srv/sx rw - ext4 /dev/loop3 rw',
    ].join('\n');
    assert.deepEqual(mountsBelow('/srv/s', info), ['/srv/s/a b/mnt', '/srv/s']);
  });
});

describe('a sandbox with a scratch disk', () => {
  let t: TestAgent;
  before(async () => {
    requireSandboxes();
    requireSetupTools();
    t = await startAgent({ scratch: 'on', upperSize: '64m', lessonsDir: LESSONS });
  });
  after(() => t?.close());

  async function open(): Promise<{ id: string; term: TermClient }> {
    const { id } = await createSession(t, LESSON);
    const term = await attachTerminal(t, id);
    return { id, term };
  }

  async function check(term: TermClient, id: string) {
    const before = term.messages.length;
    term.sendText(JSON.stringify({ type: 'check', id }));
    await waitUntil(`an answer to check ${id}`, () => term.messages.slice(before).some((m) => m.type === 'check'), 15_000);
    return term.messages.slice(before).find((m) => m.type === 'check');
  }

  test('/scratch is an empty ext4 owned by root inside, writable, and full at its size (ENOSPC)', async () => {
    const { id, term } = await open();
    await term.run('stat -f -c "fs=%T" /scratch; stat -c "own=%u:%g" /scratch; ls -A /scratch | wc -l | sed s/^/n=/; echo do""ne', 'done');
    assert.match(term.output, /fs=ext2\/ext3/); // stat's name for ext4's magic number
    assert.match(term.output, /own=0:0/);
    assert.match(term.output, /n=0/);
    await term.run('dd if=/dev/zero of=/scratch/big bs=1M count=100 2>&1 | head -1; echo fi""lled', 'filled', 30_000);
    assert.match(term.output, /No space left on device/);
    await term.close();
    await deleteSession(t, id);
  });

  test('lesson 06 on /scratch: its solutions pass its checks, and upper/data carries user.overlay.opaque=y', async () => {
    const { id, term } = await open();
    const steps = ['overlay-mounted', 'file-added', 'copied-up', 'whiteout', 'opaque-dir'];
    for (const step of steps) {
      const script = readFileSync(join(LESSONS, LESSON, 'solutions', `${step}.sh`), 'utf8');
      term.type(`sh <<'BYHAND_EOF'\n${script}BYHAND_EOF\necho "solved ${step}: $?"\n`);
      await term.waitForOutput(`solved ${step}: 0`, 15_000);
      const answer = (await check(term, step)) as { ok: boolean; message: string };
      assert.equal(answer.ok, true, `check ${step}: ${answer.message}`);
    }
    await term.run('findmnt -n -o FSTYPE --target /overlay/upper; getfattr --absolute-names --only-values -n user.overlay.opaque /overlay/upper/data; echo " xattr-sh""own"', ' xattr-shown');
    assert.match(term.output, /ext4\r?\ny xattr-shown/, 'the upper layer is on the ext4 disk');
    await term.close();
    await deleteSession(t, id);
  });

  test('nested containers keep their layers on /scratch: /tmp/byhand leads there, and a container deletes an image directory', async () => {
    const { id, term } = await open();
    // Deleting /etc from busybox's layer makes a whiteout in the upper layer: on a tmpfs before
    // Linux 6.6 that failed with EIO, so the layers must live on the ext4 disk.
    await term.run('byhand run --rm busybox sh -c "rm -r /etc && echo removed-\\$(ls / | grep -c ^etc)"; readlink /tmp/byhand; findmnt -n -o FSTYPE --target /tmp/byhand/; echo nes""ted', 'nested', 60_000);
    assert.match(term.output, /removed-0\r?\n\/scratch\/byhand\r?\next4\r?\nnested/, term.output.slice(-600));
    await term.close();
    await deleteSession(t, id);
  });

  test('abuse: a setuid copy of id made on /scratch gives no privilege; device nodes cannot be made; another sandbox does not see it', async () => {
    const { id, term } = await open();
    await term.run(
      'cp /usr/bin/id /scratch/id && chmod 4755 /scratch/id && echo secret > /scratch/mine && ' +
        'setpriv --reuid=1000 --regid=1000 --clear-groups /scratch/id -u; mknod /scratch/null c 1 3; echo ab""used',
      'abused',
    );
    assert.match(term.output, /[^0-9]1000\r?\nmknod/, 'the setuid bit is ignored (nosuid): id -u still says 1000');
    assert.match(term.output, /mknod: .*Operation not permitted/);
    await term.run('findmnt -n -o OPTIONS /scratch; echo opt""ions', 'options');
    assert.match(term.output, /nosuid/);
    assert.match(term.output, /nodev/);
    const other = await open();
    await other.term.run('ls -A /scratch | wc -l | sed s/^/others=/; echo li""sted', 'listed');
    assert.match(other.term.output, /others=0/);
    await Promise.all([term.close(), other.term.close()]);
    await Promise.all([deleteSession(t, id), deleteSession(t, other.id)]);
  });

  test('a running sandbox leaves no mount, loop device or image on the host once up; its disk goes with it', async () => {
    const { id, term } = await open();
    await term.run('echo data > /scratch/f && findmnt -n -o SOURCE /scratch && echo wr""itten', 'written');
    await waitUntil(`the host to let go of the disk: ${JSON.stringify(hostHolds())}`, hostLetGo);
    await term.run('cat /scratch/f; echo re""ad', 'read');
    assert.match(term.output, /data\r?\nread/, 'the sandbox keeps its disk');
    const loop = /\/dev\/loop\d+/.exec(term.output)?.[0];
    assert.ok(loop, `the sandbox's /scratch comes from a loop device: ${term.output.slice(-300)}`);
    assert.match(loops(), new RegExp(`${loop}: .*disk\\.img \\(deleted\\)`), 'only the sandbox holds the deleted image');
    await term.close();
    await deleteSession(t, id);
    await waitUntil(`the loop device to be freed: ${loops()}`, () => loops() === '');
    assert.deepEqual(leftovers(), { mounts: [], dirs: [], loops: '' });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function startMain(port: number): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      BYHAND_STATE_DIR: process.env.BYHAND_STATE_DIR!,
      BYHAND_AGENT_PORT: String(port),
      BYHAND_AGENT_HOST: '127.0.0.1',
      BYHAND_AGENT_SECRET: 'scratch-test-secret',
      BYHAND_LAB_IMAGE: LAB_IMAGE,
      BYHAND_SCRATCH: 'on',
      BYHAND_UPPER_SIZE: '32m',
      // Sandboxes made ahead would hold disks of their own: the counts below are the learners'.
      BYHAND_POOL_SIZE: '0',
      ...(process.env.BYHAND_INIT_HELPER ? { BYHAND_INIT_HELPER: process.env.BYHAND_INIT_HELPER } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

test('a SIGKILLed agent: its sandboxes\' disks go with them, and a restart removes a disk it had not yet let go of', async () => {
  requireSandboxes();
  const port = await freePort();
  const agent = startMain(port);
  try {
    await waitUntil('the agent to listen', () => agent.out().includes('"listening"'));
    const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST', headers: agentHeaders('scratch-test-secret'), body: `{"lesson":"${LESSON}"}`,
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id, token } = (await res.json()) as { id: string; token: string };
    const term = await TermClient.open(`ws://127.0.0.1:${port}/v1/sessions/${id}/tty?token=${token}`);
    await term.run('echo x > /scratch/x && echo wr""ote', 'wrote');
    await waitUntil('the agent to let go of the disk', hostLetGo);
    assert.notEqual(loops(), '', 'the sandbox holds its disk');
    agent.child.kill('SIGKILL');
    await waitUntil(`nothing of the disk left after the kill: ${JSON.stringify(leftovers())}`, isClean);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }

  // What a kill between mounting a disk and handing it over leaves: a mounted image.
  const home = join(SCRATCH_DIR, 'feedfacefeedface');
  mkdirSync(join(home, 'mnt'), { recursive: true });
  execFileSync('mkfs.ext4', ['-q', '-F', join(home, 'disk.img'), '8m']);
  execFileSync('mount', ['-o', 'loop,nosuid,nodev', join(home, 'disk.img'), join(home, 'mnt')]);
  assert.equal(leftovers().mounts.length, 1);
  const again = startMain(port);
  try {
    await waitUntil('the restarted agent to listen', () => again.out().includes('"listening"'));
    assert.match(again.out(), /"removed leftover scratch disks","count":1,"names":"feedfacefeedface"/);
    await waitUntil(`nothing left after the restart: ${JSON.stringify(leftovers())}`, isClean);
  } finally {
    again.child.kill('SIGKILL');
  }
});

describe('scratch disks and the host disk', () => {
  test('each disk is allocated when made: a learner filling /scratch takes nothing more from the host disk', async () => {
    requireSandboxes();
    requireSetupTools();
    const t = await startAgent({ scratch: 'on', upperSize: '64m', lessonsDir: LESSONS });
    try {
      const { id } = await createSession(t, LESSON);
      const term = await attachTerminal(t, id);
      await term.run('sync; echo sy""nced', 'synced');
      const free = () => { const fs = statfsSync(SCRATCH_DIR); return fs.bavail * fs.bsize; };
      const before = free();
      await term.run('dd if=/dev/urandom of=/scratch/fill bs=1M count=60 conv=fsync 2>&1 | tail -1; echo wr""ote', 'wrote', 30_000);
      assert.match(term.output, /60\.?\d* MB|62914560 bytes/);
      const taken = before - free();
      assert.ok(taken < 16 * 2 ** 20, `the host disk lost ${(taken / 2 ** 20).toFixed(1)} MiB more while the learner wrote 60 MiB`);
      await term.close();
      await deleteSession(t, id);
    } finally {
      await t.close();
    }
  });

  test('a disk that would leave the host less than its reserve is not made, and the log says why', async () => {
    requireSandboxes();
    // A small real file system of its own as the place disks are made: 600 MiB, reserve 256 MiB.
    const dir = mkdtempSync(join(tmpdir(), 'byhand-scratch-room-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600m,mode=0700', 'byhand-scratch-room', dir]);
    const logged: { event: string; fields: Record<string, unknown> }[] = [];
    const disks = new ScratchDisks(dir, 'on', '64m', (event, fields = {}) => logged.push({ event, fields }));
    try {
      await disks.start();
      const made: (string | null)[] = [];
      for (let i = 0; i < 6; i++) made.push(await disks.create(`s${i}`));
      assert.equal(made.filter((m) => m !== null).length, 5, 'five disks fit above the reserve');
      assert.equal(made[5], null);
      const failure = logged.find((l) => l.event === 'scratch disk failed');
      assert.match(String(failure?.fields.error), /free where scratch disks are made .* would leave less than the 256 MiB kept for the host/);
    } finally {
      for (let i = 0; i < 6; i++) await disks.remove(`s${i}`);
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
