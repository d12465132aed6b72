/**
 * The abuse battery: what a learner tries against the host and other learners, each its own
 * test, each expected to fail inside the sandbox while the host and a neighbour stay unaffected.
 * Egress is judged by routes (`ip route get`): no test sends a packet off this machine.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detectCgroups } from '@byhand/runtime';
import { after, afterEach, before, test } from 'node:test';
import { alive, attachTerminal, createSession, deleteSession, LAB_IMAGE, processTree, requireSandboxes, sleep, TEST_CGROUP_PREFIX, waitUntil, startAgent, TermClient, ttyUrl, type TestAgent } from './helpers.js';
import { cgroupShell } from './learner-cgroups.js';
import { AGENT_OOM_SCORE_ADJ, protectFromOomKiller } from '../src/oom.js';

let t: TestAgent;
const LIMITS = { memory: 256 * 1024 * 1024, pids: 64, cpus: 0.5 };
/** A neighbour's session that every test checks is still fine afterwards. */
let neighbour: TermClient;
before(async () => {
  requireSandboxes();
  t = await startAgent({ upperSize: '64m', limits: LIMITS });
  neighbour = await open();
  await neighbour.run('echo neighbour-secret > /root/secret.txt && echo wr""itten', 'written');
});
after(() => t?.close());
afterEach(async () => {
  const marker = `alive-${Date.now()}`;
  await neighbour.run(`echo ${marker.slice(0, 6)}""${marker.slice(6)}`, marker);
});

async function open(): Promise<TermClient> {
  return (await openWithId()).client;
}

async function openWithId(): Promise<{ id: string; client: TermClient }> {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  return { id, client };
}

/** Runs `command` in a fresh sandbox and returns what it printed between two markers. */
async function inSandbox(command: string, timeoutMs = 15_000, client?: TermClient): Promise<string> {
  const term = client ?? (await open());
  const tag = Math.random().toString(36).slice(2, 8);
  term.output = '';
  // The quotes keep the echo of the typed line from matching the markers.
  term.type(`echo beg""in-${tag}; { ${command} ; } 2>&1; echo "end-${tag}"":"$?\r`);
  await term.waitForOutput(`end-${tag}:`, timeoutMs);
  await term.waitForOutput('\n', 1_000);
  const out = term.output;
  return out.slice(out.indexOf(`begin-${tag}`) + `begin-${tag}`.length, out.lastIndexOf(`end-${tag}:`) + 12);
}

test('ps shows only the sandbox\'s processes, none of the host\'s or a neighbour\'s', async () => {
  const out = await inSandbox('ps -e -o pid=,comm=');
  const procs = out.trim().split(/\r?\n/).filter((l) => /^\s*\d+ /.test(l));
  assert.ok(procs.length > 0 && procs.length < 8, `ps listed ${procs.length} processes:\n${out}`);
  assert.match(procs[0]!, /^\s*1 /, 'pid 1 is the sandbox\'s own init');
  assert.doesNotMatch(out, /\b(node|systemd|sshd|tsx)\b/);
});

test('no route out: no default route, 169.254.169.254 and outside addresses are unreachable', async () => {
  const out = await inSandbox('ip route; ip route get 169.254.169.254; ip route get 198.51.100.7; ip -6 route get 2001:db8::1');
  assert.doesNotMatch(out, /default/);
  assert.equal(out.match(/Network is unreachable/g)?.length, 3, `every route lookup fails:\n${out}`);
  const links = await inSandbox('ip -o link');
  assert.deepEqual(links.trim().split(/\r?\n/).filter((l) => /^\d+:/.test(l)).map((l) => l.split(':')[1]!.trim()), ['lo']);
});

test('the agent\'s port is not reachable: 127.0.0.1 inside is the sandbox\'s own loopback', async () => {
  const port = new URL(t.base).port;
  const out = await inSandbox(`timeout 3 bash -c 'echo > /dev/tcp/127.0.0.1/${port}' && echo CONNECTED`);
  assert.doesNotMatch(out, /CONNECTED/);
  assert.match(out, /Connection refused/);
});

test('host files cannot be written: writes land in the sandbox\'s own layer, /proc/sysrq-trigger is refused', async () => {
  const out = await inSandbox('echo pwned > /etc/byhand-abuse-marker && cat /etc/byhand-abuse-marker; echo h > /proc/sysrq-trigger');
  assert.match(out, /pwned/, 'the learner may write their own /etc');
  assert.match(out, /sysrq-trigger: (Permission denied|No such file or directory|Read-only file system)/);
  assert.ok(!existsSync('/etc/byhand-abuse-marker'), 'the host\'s /etc is untouched');
  assert.ok(!existsSync(`${LAB_IMAGE}/etc/byhand-abuse-marker`), 'the shared lab image is untouched');
});

test('another session\'s files are out of reach', async () => {
  const out = await inSandbox(
    'cat /root/secret.txt; grep -rs neighbour-secret /proc/*/root/root /tmp /root /var 2>/dev/null | head -3; echo searched',
  );
  assert.match(out, /No such file or directory/);
  assert.doesNotMatch(out, /neighbour-secret\s*$/m);
  const neighbourFiles = await inSandbox('cat /root/secret.txt', 15_000, neighbour);
  assert.match(neighbourFiles, /neighbour-secret/, 'the neighbour still has its file');
});

test('no host block device can be made or mounted', async () => {
  const out = await inSandbox('ls -1 /dev; mknod /tmp/sda b 8 0; mount -t ext4 /dev/sda /mnt; mount -t ext4 /dev/vda /mnt');
  assert.match(out, /mknod: \/tmp\/sda: Operation not permitted/);
  assert.equal(out.match(/mount: /g)?.length, 2, `both mounts fail:\n${out}`);
  assert.doesNotMatch(out, /^(sd[a-z]|vd[a-z]|nvme\d\S*)\s*$/m, 'the sandbox\'s /dev has no disks');
});

test('filling the disk stops at the sandbox\'s writable layer size; the host\'s disk is untouched', async () => {
  const out = await inSandbox('dd if=/dev/zero of=/root/fill bs=1M count=200; du -m /root/fill; rm /root/fill; echo removed', 30_000);
  assert.match(out, /No space left on device/);
  const used = Number(/^(\d+)\s+\/root\/fill/m.exec(out)?.[1]);
  assert.ok(used <= 64, `the file reached ${used} MB with a 64m writable layer`);
});

test('no process in the sandbox holds a file descriptor beyond 0, 1 and 2 (255 is bash\'s own)', async () => {
  const { id, token } = await createSession(t);
  const client = await TermClient.open(ttyUrl(t, id, token));
  await client.waitForMessage('ready');
  await client.run('echo re""ady', 'ready');
  // Looked at from the host: inside, the looking itself (ls, redirections) would open fds.
  const [helper, ...inside] = processTree(t.agent.sessions.get(id)!.pid);
  assert.ok(helper && inside.length >= 2, 'init and bash run in the sandbox');
  for (const pid of inside) {
    const fds = readdirSync(`/proc/${pid}/fd`).map(Number);
    const extra = fds.filter((fd) => fd > 2 && fd !== 255).map((fd) => `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`);
    assert.deepEqual(extra, [], `pid ${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}) holds more fds`);
  }
});

test('the host sees the learner as an unprivileged uid, not root', async () => {
  const client = await open();
  await client.run('sleep 777 & echo sle""eping', 'sleeping');
  const sleeper = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u0000777\u0000';
    } catch {
      return false;
    }
  });
  assert.ok(sleeper, 'the sleep is visible from the host');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${sleeper}/status`, 'utf8'))![1]);
  assert.ok(uid >= 100_000_000, `root inside is uid ${uid} outside`);
});

/** Calls syscall `nr` with `args` through perl and prints its result and errno. */
function syscallCommand(name: string, nr: number, args: string): string {
  return `perl -e '$r = syscall(${nr}, ${args}); print "${name}: r=$r errno=" . ($!+0) . " $!\\n"'`;
}

// x86_64 syscall numbers; the lab image has no keyctl or kmod tools, so perl makes the calls.
const DENIED = [
  { what: 'the kernel keyring (keyctl)', name: 'keyctl', nr: 250, args: '0, -3, 0, 0, 0' },
  { what: 'bpf', name: 'bpf', nr: 321, args: '0, 0, 0' },
  { what: 'io_uring_setup', name: 'io_uring_setup', nr: 425, args: '8, 0' },
  { what: 'loading a kernel module (init_module)', name: 'init_module', nr: 175, args: '0, 0, 0' },
  { what: 'loading a kernel module (finit_module)', name: 'finit_module', nr: 313, args: '0, 0, 0' },
  { what: 'perf_event_open', name: 'perf_event_open', nr: 298, args: '0, 0, -1, -1, 0' },
];

for (const { what, name, nr, args } of DENIED) {
  test(`${what} is refused inside the sandbox`, async () => {
    const out = await inSandbox(syscallCommand(name, nr, args));
    const result = new RegExp(`${name}: r=(-?\\d+) errno=(\\d+)`).exec(out);
    assert.ok(result, `no result line:\n${out}`);
    assert.equal(result[1], '-1', `${name} succeeded:\n${out}`);
    // ENOSYS (seccomp, so tools fall back) or EPERM (seccomp or the kernel's own check).
    assert.ok(['38', '1'].includes(result[2]!), `${name} failed with errno ${result[2]}, not ENOSYS or EPERM:\n${out}`);
  });
}

test('pid 1 cannot be borrowed to make the calls the filter denies: it is filtered and cannot be traced', async () => {
  // PTRACE_ATTACH is 16: with it, a learner could inject keyctl or io_uring into an unfiltered pid 1.
  const out = await inSandbox(`grep --color=never -E '^(Seccomp|NoNewPrivs):' /proc/1/status; ${syscallCommand('ptrace', 101, '16, 1, 0, 0')}; strace -p 1`);
  assert.match(out, /Seccomp:\s+2/);
  assert.match(out, /NoNewPrivs:\s+1/);
  assert.match(out, /ptrace: r=-1 errno=1 /, 'EPERM');
  assert.match(out, /attach: ptrace\(PTRACE_SEIZE, 1\): Operation not permitted/);
});

test('the OOM killer takes a sandbox before the agent, and a learner cannot change that', async () => {
  // The agent's own setting is made in main.ts; the test's agent runs in this process. Lowering
  // it needs CAP_SYS_RESOURCE, which some hosts keep from root (this one's owner does): then the
  // agent says so in its log. The classroom VM test checks the -900 on a provisioned machine.
  const warnings: string[] = [];
  protectFromOomKiller((_event, fields) => warnings.push(String(fields?.message)));
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const mayLower = ((capEff >> 24n) & 1n) === 1n;
  const { id, client } = await openWithId();
  const out = await inSandbox('cat /proc/self/oom_score_adj; echo -1000 > /proc/self/oom_score_adj; echo -1 > /proc/self/oom_score_adj; cat /proc/self/oom_score_adj', 15_000, client);
  assert.match(out, /^\s*500\r?\n/, 'the shell starts at 500');
  // Without CAP_SYS_RESOURCE on the host it may go down to 0 at most, still far above the agent.
  assert.match(out, /Permission denied[\s\S]*Permission denied[\s\S]*\n500\r?\n/, 'lowering it below 0 is refused');
  if (mayLower) assert.equal(readFileSync('/proc/self/oom_score_adj', 'utf8').trim(), String(AGENT_OOM_SCORE_ADJ));
  else assert.match(warnings.join('\n'), /the agent is not protected from the OOM killer: EACCES/);
  // Terminal 2 comes through exec mode: the same.
  const second = await attachTerminal(t, id, '2');
  await second.run('echo "adj=$(cat /proc/self/oom_score_adj)"', 'adj=500');
  await second.close();
});

test('a vsock socket (to the hypervisor) is refused', async () => {
  // socket(AF_VSOCK = 40, SOCK_STREAM, 0): x86_64 number 41.
  const out = await inSandbox(syscallCommand('socket', 41, '40, 1, 0'));
  assert.match(out, /socket: r=-1 errno=1 /, 'EPERM from the filter, not the EAFNOSUPPORT of a kernel without vsock');
});

test('a process outside the sandbox cannot be traced: host pids do not exist inside', async () => {
  const out = await inSandbox(`${syscallCommand('ptrace', 101, `16, ${process.pid}, 0, 0`)}; kill -0 ${process.pid}`);
  assert.match(out, /ptrace: r=-1 errno=3 /, 'ESRCH: no such process');
  assert.match(out, /No such process/);
});

test('what the lessons need still works after hardening: unshare, mount proc, overlay, veth and bridge', async () => {
  const out = await inSandbox([
    'unshare --pid --fork --mount-proc sh -c "echo nested-pid-\\$\\$"',
    'unshare -Urmnuip --fork true && echo unshare-all-ok',
    'mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && echo hi > /tmp/o/l/f',
    'mount -t overlay overlay -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m && cat /tmp/o/m/f && rm /tmp/o/m/f && command ls -l /tmp/o/u',
    'mkdir /tmp/p && mount -t proc proc /tmp/p && echo proc-mounted',
    'ip link add v0 type veth peer name v1 && ip link add br0 type bridge && ip link set v0 master br0 && echo veth-bridge-ok',
  ].join('; '), 20_000);
  assert.match(out, /nested-pid-1\b/);
  assert.match(out, /unshare-all-ok/);
  assert.match(out, /^hi\s*$/m, 'the overlay shows its lower layer');
  assert.match(out, /^c[-rwx]{9} .* f\s*$/m, 'deleting through the overlay leaves a whiteout (a 0/0 character device)');
  assert.match(out, /proc-mounted/);
  assert.match(out, /veth-bridge-ok/);
});

test('a fork bomb stays inside: the sandbox stops at its pids limit, the host still forks, DELETE ends it all', async () => {
  const { id, client } = await openWithId();
  const helper = t.agent.sessions.get(id)!.pid;
  client.type(':(){ :|:& };:\r');
  await sleep(3_000);
  const tree = processTree(helper);
  assert.ok(tree.length > 20, `the bomb did not go off: ${tree.length} processes`);
  // The helper itself stays in the agent's cgroup; everything inside counts against the limit.
  assert.ok(tree.length <= LIMITS.pids + 1, `${tree.length} processes in the sandbox, limit ${LIMITS.pids}`);
  assert.equal(execFileSync('/bin/echo', ['host-forks']).toString().trim(), 'host-forks');
  assert.equal((await deleteSession(t, id)).status, 204);
  await waitUntil('every process of the bomb to be gone', () => tree.every((p) => !alive(p)), 15_000);
});

test('a memory bomb is killed inside the sandbox by its memory limit; the shell and the host go on', async () => {
  const out = await inSandbox(`perl -e '$x = "x" x (1024 * 1024 * 1024); print "sur" . "vived\\n"'; echo exit=$?`, 30_000);
  assert.doesNotMatch(out, /survived/);
  assert.match(out, /Killed[\s\S]*exit=137/, `the bomb was not OOM-killed:\n${out}`);
});

test('the sandbox cannot leave its cgroup or raise its limits', async () => {
  const { id, client } = await openWithId();
  const out = await inSandbox(
    'mount -t cgroup -o memory none /mnt; mkdir -p /tmp/c2 && mount -t cgroup2 none /tmp/c2 && echo $$ > /tmp/c2/cgroup.procs; ' +
      'mkdir -p /tmp/c1 && mount -t cgroup -o pids none /tmp/c1; echo tried',
    15_000,
    client,
  );
  assert.match(out, /tried/);
  const shell = processTree(t.agent.sessions.get(id)!.pid).at(-1)!;
  const cgroups = readFileSync(`/proc/${shell}/cgroup`, 'utf8');
  for (const controller of ['memory', 'pids']) {
    const line = cgroups.split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
    // On a cgroup v2 host there is one line ("0::/..."), with every controller in it.
    const own = line ?? cgroups.split('\n').find((l) => l.startsWith('0::'))!;
    assert.ok(own.includes(`${TEST_CGROUP_PREFIX}${id}`), `the shell left its ${controller} cgroup: ${own}`);
  }
});

// Lesson 05 hands each sandbox its own session cgroup (delegation): below it the learner may do
// anything, and nothing done there may lift the session's limits or reach above it.
const learnerCgroups = () => cgroupShell(detectCgroups().mode === 'v2');

/** The session's cgroup directories on the host: one per v1 tree, or the one v2 directory. */
function sessionDirs(id: string): string[] {
  return t.agent.sessions.get(id)!.cgroupProcs.map((file) => dirname(file));
}

function hostLimit(id: string, v1File: string, v2File: string): string {
  for (const dir of sessionDirs(id)) {
    for (const file of [v1File, v2File]) if (existsSync(join(dir, file))) return readFileSync(join(dir, file), 'utf8').trim();
  }
  throw new Error(`no ${v1File} or ${v2File} in the session's cgroup ${sessionDirs(id).join(', ')}`);
}

test('the delegated cgroup: the learner cannot raise the session\'s own memory, pids or CPU limit', async () => {
  const cg = learnerCgroups();
  const { id, client } = await openWithId();
  await inSandbox(cg.mount, 15_000, client);
  const out = await inSandbox([
    `echo 4294967296 > ${cg.memoryLimitFile} && echo memory-raised`,
    `echo max > ${cg.pidsMaxFile} && echo pids-raised`,
    `echo ${cg.cpuQuota.none} > ${cg.cpuQuota.file} && echo cpu-raised`,
    'echo tried',
  ].join('; '), 15_000, client);
  assert.match(out, /tried/);
  assert.doesNotMatch(out, /-raised/, `a session limit was raised from inside:\n${out}`);
  assert.equal((out.match(/Permission denied|Operation not permitted/g) ?? []).length, 3, out);
  assert.equal(hostLimit(id, 'memory.limit_in_bytes', 'memory.max'), String(LIMITS.memory));
  assert.equal(hostLimit(id, 'pids.max', 'pids.max'), String(LIMITS.pids));
});

test('the delegated cgroup: a child with limits above the session\'s does not let a process pass the session\'s', async () => {
  const cg = learnerCgroups();
  const client = await open();
  await inSandbox(cg.mount, 15_000, client);
  await inSandbox([
    cg.mkdir('big', 'memory'), cg.limitMemory('big', '4G'),
    `mkdir -p ${cg.dir('big', 'pids')}`, `echo 1000 > ${cg.dir('big', 'pids')}/pids.max`,
  ].join(' && '), 15_000, client);
  const enter = `echo $$ > ${cg.procs('big', 'memory')} && echo $$ > ${cg.procs('big', 'pids')}`;
  const memory = await inSandbox(`sh -c '${enter} && exec perl -e "\\$x = q(x) x (1024 * 1024 * 1024); print qq(sur) . qq(vived\\n)"'; echo exit=$?`, 30_000, client);
  assert.doesNotMatch(memory, /survived/);
  assert.match(memory, /exit=137/, `a 1 GiB allocation in a child limited to 4G was not OOM-killed by the session's ${LIMITS.memory} bytes:\n${memory}`);
  const forks = await inSandbox(`sh -c '${enter} && exec perl -e "my @k; for (1..200) { my \\$p = fork; last unless defined \\$p; if (!\\$p) { sleep 30; exit } push @k, \\$p } print qq(forked=) . scalar(@k) . qq(\\n); kill 9, @k"'`, 30_000, client);
  const forked = Number(/forked=(\d+)/.exec(forks)?.[1]);
  assert.ok(forked > 10 && forked < LIMITS.pids, `forked ${forked} processes in a child with pids.max 1000, session limit ${LIMITS.pids}:\n${forks}`);
});

test('the delegated cgroup is the sandbox\'s top: the parent is out of sight inside and refuses the sandbox\'s uid outside', async () => {
  const cg = learnerCgroups();
  const { id, client } = await openWithId();
  await inSandbox(cg.mount, 15_000, client);
  // The top of the tree the learner mounts carries the session's own limit: nothing above is visible.
  assert.match(await inSandbox(`cat ${cg.memoryLimitFile}`, 15_000, client), new RegExp(`^${LIMITS.memory}\\s*$`, 'm'));
  const shell = processTree(t.agent.sessions.get(id)!.pid).at(-1)!;
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${shell}/status`, 'utf8'))![1]);
  for (const dir of sessionDirs(id)) {
    assert.equal(statSync(dir).uid, uid, `${dir} is delegated to the sandbox's root (uid ${uid})`);
    // As if the learner had got hold of the parent's file: the kernel still says no to its uid.
    const parent = join(dirname(dir), 'cgroup.procs');
    const r = spawnSync('/bin/sh', ['-c', `echo $$ > ${parent}`], { uid, gid: uid, encoding: 'utf8' });
    assert.notEqual(r.status, 0, `uid ${uid} moved a process into ${parent}`);
    assert.match(r.stderr, /Permission denied/);
  }
});

test('no cgroup hierarchy root is handed over: release_agent is out of reach and no new hierarchy can be mounted', async () => {
  const cg = learnerCgroups();
  const { id, client } = await openWithId();
  await inSandbox(cg.mount, 15_000, client);
  const out = await inSandbox([
    'echo "release_agents=$(find /sys/fs/cgroup/ -name release_agent | wc -l)"',
    'mkdir -p /tmp/h',
    'mount -t cgroup -o none,name=escape cgroup /tmp/h && echo mounted-named',
    'mount -t cgroup -o rdma cgroup /tmp/h && echo mounted-rdma',
    'echo tried',
  ].join('; '), 15_000, client);
  assert.match(out, /release_agents=0\b/, out);
  assert.match(out, /tried/);
  assert.doesNotMatch(out, /mounted-/, `a new cgroup hierarchy (with its own release_agent) was mounted:\n${out}`);
  for (const dir of sessionDirs(id)) {
    assert.equal(statSync(dir).dev, statSync(dirname(dir)).dev, `${dir} is the root of a mounted hierarchy`);
    assert.ok(!existsSync(join(dir, 'release_agent')), `${dir} has a release_agent`);
    assert.equal(statSync(dirname(dir)).uid, 0, `${dirname(dir)} stays host root's`);
  }
});
