/**
 * Container networking against the real kernel, all of it inside a network namespace this test
 * makes first (every command the module runs is prefixed `ip netns exec <it>`), so the host's
 * own network is never touched. Its "containers" are processes with a network namespace of their
 * own, started with `unshare --net` inside the test's namespace.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TraceEvent } from '../src/explain.ts';
import { waitUntil } from '../src/proc.ts';
import { connect, createNetwork, gc, listNetworks, stateTag, type Connection, type NetworkOptions } from '../src/network/index.ts';
import { readStore } from '../src/network/ipam.ts';
import { requireRoot } from './helpers.ts';

const ns = `byhand-test-${randomBytes(4).toString('hex')}`;
const stateDir = mkdtempSync(join(tmpdir(), 'byhand-net-state-'));
const trace: TraceEvent[] = [];
const opts: NetworkOptions = { stateDir, netns: ns, onTrace: (e) => trace.push(e) };
const started: ChildProcess[] = [];
const HOST_ADDRESS = '198.51.100.1'; // the test netns's "own address" (TEST-NET-2, never routed)

function sh(argv: string[]): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const inNs = (...argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);
const inContainer = (pid: number, ...argv: string[]) => sh(['nsenter', '-t', String(pid), '-n', ...argv]);

/** A "container": sleep in a fresh network namespace made inside the test's one. */
async function startContainer(): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
  started.push(child);
  const pid = child.pid!;
  const ready = await waitUntil(() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }, 5000);
  assert.ok(ready, 'the test container (unshare --net sleep) did not start');
  return pid;
}

const links = () => (JSON.parse(inNs('ip', '-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname);
const nftRules = () => inNs('nft', 'list', 'ruleset');
const leases = () => Object.values(readStore(stateDir).networks).flatMap((n) => Object.values(n.leases));

function fetch(url: string): string {
  // curl, not busybox wget: the static busybox's wget segfaults under `ip netns exec` here.
  return inNs('curl', '-sS', '--max-time', '3', url);
}

before(() => {
  requireRoot();
  sh(['ip', 'netns', 'add', ns]);
  inNs('ip', 'link', 'set', 'lo', 'up');
  // The namespace's "uplink" (a veth pair: this kernel has no dummy driver) with its own address.
  inNs('ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
  inNs('ip', 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', 'uplink0');
  inNs('ip', 'link', 'set', 'uplink0', 'up');
  inNs('ip', 'link', 'set', 'uplink1', 'up');
});

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(stateDir, { recursive: true, force: true });
});

const web = { id: 'aaaa0001' + randomBytes(28).toString('hex'), name: 'web', pid: 0 };
const client = { id: 'bbbb0002' + randomBytes(28).toString('hex'), name: 'client', pid: 0 };
let webConn: Connection;
let clientConn: Connection;
const seen: string[] = [];

test('two containers on the default bridge get distinct addresses and reach each other', async () => {
  web.pid = await startContainer();
  client.pid = await startContainer();
  webConn = await connect(web, 'bridge', { ports: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] }, opts);
  clientConn = await connect(client, 'bridge', {}, opts);
  seen.push(webConn.address, clientConn.address);
  assert.match(webConn.address, /^172\.30\.\d+\.\d+$/);
  assert.notEqual(webConn.address, clientConn.address);
  assert.ok(links().includes('byhand0'));
  assert.match(inContainer(client.pid, 'busybox', 'ping', '-c', '1', '-W', '3', webConn.address), /1 packets received/);
  assert.match(inContainer(web.pid, 'ip', '-4', 'addr', 'show', 'eth0'), new RegExp(`inet ${webConn.address.replace(/\./g, '\\.')}/16`));
});

test('the default route points at the bridge, and the outside is reached through it', () => {
  assert.match(inContainer(client.pid, 'ip', 'route', 'show', 'default'), /default via 172\.30\.0\.1 dev eth0/);
  // Judged by the route the kernel picks: no packet is sent.
  assert.match(inContainer(client.pid, 'ip', 'route', 'get', '192.0.2.1'), /192\.0\.2\.1 via 172\.30\.0\.1 dev eth0/);
  assert.match(nftRules(), /ip saddr 172\.30\.0\.0\/16 oifname != "byhand0" masquerade/);
});

test('a published port answers on the host\'s own address and on localhost', async () => {
  const docroot = mkdtempSync(join(tmpdir(), 'byhand-httpd-'));
  writeFileSync(join(docroot, 'index.html'), 'hello from web\n');
  const httpd = spawn('nsenter', ['-t', String(web.pid), '-n', 'busybox', 'httpd', '-f', '-p', '80', '-h', docroot], { stdio: 'ignore' });
  started.push(httpd);
  const up = await waitUntil(() => {
    try {
      // httpd listens on a dual-stack socket: look in tcp6 as well.
      return /:0050 0+:0000 0A/.test(inContainer(web.pid, 'cat', '/proc/net/tcp', '/proc/net/tcp6'));
    } catch {
      return false;
    }
  }, 5000);
  assert.ok(up, 'busybox httpd did not start listening on port 80 in the container');
  assert.equal(fetch(`http://${HOST_ADDRESS}:18080/`), 'hello from web\n');
  assert.equal(fetch('http://127.0.0.1:18080/'), 'hello from web\n');
  assert.equal(inContainer(client.pid, 'curl', '-sS', '--max-time', '3', `http://${webConn.address}/`), 'hello from web\n');
});

test('members of a network find each other by name in its hosts file', () => {
  // As the runtime will: the network's hosts file bind-mounted at /etc/hosts (in a private mount ns).
  const byName = inContainer(client.pid, 'unshare', '--mount', 'sh', '-c',
    `mount --bind ${clientConn.hostsFile} /etc/hosts && curl -sS --max-time 3 http://web/`);
  assert.equal(byName, 'hello from web\n');
  const hosts = readFileSync(webConn.hostsFile, 'utf8');
  assert.match(hosts, new RegExp(`^${webConn.address.replace(/\./g, '\\.')}\\tweb\\t`, 'm'));
  assert.match(hosts, new RegExp(`^${clientConn.address.replace(/\./g, '\\.')}\\tclient\\t`, 'm'));
});

test('every command is a trace event a learner could type', () => {
  const commands = trace.map((e) => e.command ?? '');
  assert.ok(trace.every((e) => e.step === 'network' && typeof e.ms === 'number'));
  assert.ok(commands.includes(`ip netns exec ${ns} ip link add byhand0 type bridge`), commands.join('\n'));
  assert.ok(commands.includes(`ip netns exec ${ns} ip link add vbhaaaa0001 type veth peer name cbhaaaa0001`));
  assert.ok(commands.some((c) => c.includes(`nsenter -t ${web.pid} -n ip route add default via 172.30.0.1`)));
  assert.ok(commands.some((c) => c.includes('dnat to') && c.includes('18080')));
});

test('teardown removes the veth, the rules and the lease, and closes the port', async () => {
  await webConn.teardown();
  assert.ok(!links().includes('vbhaaaa0001'));
  assert.match(nftRules(), new RegExp(`byhand-net:${stateTag(stateDir)}:byhand0`), 'the network keeps its masquerade while client is on it');
  assert.doesNotMatch(nftRules(), new RegExp(web.id));
  assert.ok(!leases().some((l) => l.containerId === web.id));
  assert.throws(() => fetch('http://127.0.0.1:18080/'));
  assert.ok(links().includes('byhand0'), 'the bridge stays while client is on it');
});

test('a new allocation never repeats an address, and a user network gives exactly --ip', async () => {
  const again = { id: 'cccc0003' + randomBytes(28).toString('hex'), name: 'again', pid: await startContainer() };
  const conn = await connect(again, 'bridge', {}, opts);
  assert.ok(!seen.includes(conn.address), `${conn.address} was handed out before (${seen.join(', ')})`);
  await createNetwork('lab', { subnet: '10.77.0.0/24' }, opts);
  const fixed = { id: 'dddd0004' + randomBytes(28).toString('hex'), name: 'fixed', pid: await startContainer() };
  const labConn = await connect(fixed, 'lab', { ip: '10.77.0.10' }, opts);
  assert.equal(labConn.address, '10.77.0.10');
  assert.match(inContainer(fixed.pid, 'ip', '-4', 'addr', 'show', 'eth0'), /inet 10\.77\.0\.10\/24/);
  await assert.rejects(createNetwork('clash', { subnet: '10.77.0.128/25' }, opts), /overlaps 10\.77\.0\.0\/24/);
  await assert.rejects(createNetwork('host-clash', { subnet: '198.51.100.0/25' }, opts), /overlaps 198\.51\.100\.0\/24/);
});

test('the leases survive a restart: a new process reads the same ones', async () => {
  const code = `import { listNetworks } from ${JSON.stringify(new URL('../src/network/index.ts', import.meta.url).pathname)};
    const nets = await listNetworks({ stateDir: ${JSON.stringify(stateDir)} });
    console.log(JSON.stringify(nets.flatMap((n) => Object.keys(n.leases)).sort()));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const mine = (await listNetworks(opts)).flatMap((n) => Object.keys(n.leases)).sort();
  assert.deepEqual(JSON.parse(out), mine);
  assert.equal(mine.length, 3);
});

test('gc after a crash leaves no veth, rule, lease or bridge behind', async () => {
  // The crash: every container dies without teardown, and a connect died half-way.
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await waitUntil(() => started.every((c) => c.exitCode !== null || c.signalCode !== null), 5000);
  inNs('ip', 'link', 'add', 'vbhdead0005', 'type', 'veth', 'peer', 'name', 'cbhdead0005');
  assert.equal(leases().length, 3);
  const hostsInode = statSync(clientConn.hostsFile).ino;

  const report = await gc(opts);
  assert.equal(report.leases.length, 3);
  assert.deepEqual(leases(), []);
  assert.deepEqual(links().filter((l) => /^(vbh|cbh|byhand)/.test(l)), []);
  assert.doesNotMatch(nftRules(), /byhand/);
  assert.equal(statSync(clientConn.hostsFile).ino, hostsInode, 'the hosts file is rewritten in place for bind mounts');
  assert.deepEqual((await gc(opts)).leases, [], 'a second gc has nothing to do');
});

test('two state directories in one netns keep to their own bridges and rules', async () => {
  const otherOpts: NetworkOptions = { stateDir: mkdtempSync(join(tmpdir(), 'byhand-net-state2-')), netns: ns };
  const mine = { id: 'eeee0006' + randomBytes(28).toString('hex'), name: 'mine', pid: await startContainer() };
  const theirs = { id: 'ffff0007' + randomBytes(28).toString('hex'), name: 'theirs', pid: await startContainer() };
  const a = await connect(mine, 'bridge', { ports: [{ hostPort: 18085, containerPort: 80, protocol: 'tcp' }] }, opts);
  const b = await connect(theirs, 'bridge', {}, otherOpts);
  assert.ok(links().includes('byhand0') && links().includes('byhand1'), links().join(' '));
  assert.match(a.address, /^172\.30\./);
  assert.match(b.address, /^172\.31\./, 'the second state dir picks a subnet clear of the first one\'s route');
  // A gc of the other state dir sees our container as none of its business.
  for (const child of started) if (child.pid === theirs.pid) child.kill('SIGKILL');
  await waitUntil(() => !isAliveRaw(theirs.pid), 5000);
  assert.deepEqual((await gc(otherOpts)).leases, ['bridge:' + b.address]);
  assert.ok(links().includes('byhand0') && !links().includes('byhand1'));
  assert.match(nftRules(), /dport 18085/);
  await a.teardown();
  assert.doesNotMatch(nftRules(), /byhand/);
  rmSync(otherOpts.stateDir, { recursive: true, force: true });
});

function isAliveRaw(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}
