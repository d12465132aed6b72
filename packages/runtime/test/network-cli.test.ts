/**
 * `byhand run --network ...`, `-p`, `network create|ls|rm`, `rm` and `gc` through the real CLI.
 * Every byhand process runs inside a network namespace this test makes (nsenter --net), so the
 * bridge, the veths and the nft rules are made there and the host's own network is never touched.
 * The namespace has an "uplink" with an address of its own, which stands for the host's.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readStore } from '../src/network/ipam.ts';
import { defaultStateDir } from '../src/state.ts';
import { BYHAND, type CliResult } from './cli-helpers.ts';
import { requireRoot, waitFor } from './helpers.ts';

const ns = `bh-netcli-${randomBytes(3).toString('hex')}`;
const stateDir = mkdtempSync(join(tmpdir(), 'byhand-netcli-'));
const IMAGES = join(defaultStateDir(), 'images');
const HOST_ADDRESS = '198.51.100.1'; // TEST-NET-2: never routed anywhere
const started: ChildProcess[] = [];

const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (...argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);

function byhandProcess(args: string[]): ChildProcess {
  const env = { ...process.env, BYHAND_IMAGES_PATH: IMAGES, BYHAND_NETWORK: '' };
  return spawn('nsenter', [`--net=/run/netns/${ns}`, BYHAND, '--state', stateDir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function byhand(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = byhandProcess(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await byhand(...args);
  assert.equal(r.code, 0, `byhand ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function inspect(ref: string): Promise<Record<string, any>> {
  return (JSON.parse(await ok('inspect', ref)) as Record<string, any>[])[0]!;
}

function curl(url: string): string {
  try {
    return inNs('curl', '-sS', '--max-time', '3', url);
  } catch (err) {
    return `failed: ${(err as { stderr?: string }).stderr ?? String(err)}`;
  }
}

interface Leftovers {
  links: string[];
  rules: number;
  leases: number;
}

function leftovers(): Leftovers {
  const links = (JSON.parse(inNs('ip', '-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname).sort();
  const rules = (JSON.parse(inNs('nft', '-j', 'list', 'ruleset')) as { nftables: { rule?: unknown }[] }).nftables.filter((e) => e.rule).length;
  const leases = Object.values(readStore(stateDir).networks).reduce((n, net) => n + Object.keys(net.leases).length, 0);
  return { links, rules, leases };
}

let before_: Leftovers;

before(() => {
  requireRoot();
  for (const tool of ['nsenter', 'ip', 'nft', 'curl']) {
    try {
      sh(['sh', '-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`${tool} is missing: npm run setup installs it`);
    }
  }
  sh(['ip', 'netns', 'add', ns]);
  inNs('ip', 'link', 'set', 'lo', 'up');
  // A veth pair as the uplink: this kernel has no dummy driver.
  inNs('ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
  inNs('ip', 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', 'uplink0');
  inNs('ip', 'link', 'set', 'uplink0', 'up');
  inNs('ip', 'link', 'set', 'uplink1', 'up');
  before_ = leftovers();
});

after(async () => {
  const ids = (await byhand('ps', '-aq')).stdout.split('\n').filter(Boolean);
  if (ids.length) await byhand('rm', '-f', ...ids);
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(stateDir, { recursive: true, force: true });
});

test('two containers on the default bridge reach each other by address and by name', async () => {
  await ok('run', '-d', '--name', 'one', 'busybox', 'sleep', '1000');
  const one = await inspect('one');
  assert.equal(one.HostConfig.NetworkMode, 'bridge');
  assert.match(one.NetworkSettings.IPAddress, /^172\.30\.\d+\.\d+$/);
  assert.equal(one.NetworkSettings.Gateway, '172.30.0.1');
  const r = await byhand('run', '--rm', '--name', 'two', 'busybox', 'sh', '-c',
    `ping -c 1 -W 3 ${one.NetworkSettings.IPAddress} >/dev/null && echo by-address; ping -c 1 -W 3 one >/dev/null && echo by-name`);
  assert.equal(r.stdout, 'by-address\nby-name\n', r.stderr);
});

test('a container reaches a TCP server the test runs on the bridge\'s gateway address', async () => {
  const docroot = mkdtempSync(join(tmpdir(), 'byhand-gw-'));
  writeFileSync(join(docroot, 'index.html'), 'hello from the gateway\n');
  const server = spawn('nsenter', [`--net=/run/netns/${ns}`, 'busybox', 'httpd', '-f', '-p', '172.30.0.1:18090', '-h', docroot], { stdio: 'ignore' });
  started.push(server);
  // /proc/net/tcp writes the address little-endian: 172.30.0.1:18090 is 01001EAC:46AA.
  assert.ok(await waitFor(() => /01001EAC:46AA 0+:0000 0A/.test(inNs('cat', '/proc/net/tcp')), 5000), 'httpd listens on 172.30.0.1:18090');
  const r = await byhand('run', '--rm', 'busybox', 'wget', '-q', '-O', '-', 'http://172.30.0.1:18090/');
  assert.equal(r.stdout, 'hello from the gateway\n', r.stderr);
  server.kill('SIGKILL');
  rmSync(docroot, { recursive: true, force: true });
});

test('busybox httpd published with -p 18080:80 answers on localhost and the host\'s address; rm closes it', async () => {
  await ok('run', '-d', '--name', 'web', '-p', '18080:80', 'busybox', 'sh', '-c',
    'mkdir /www && echo hello from web > /www/index.html && exec httpd -f -p 80 -h /www');
  assert.ok(await waitFor(() => curl('http://127.0.0.1:18080/') === 'hello from web\n', 5000), curl('http://127.0.0.1:18080/'));
  assert.equal(curl(`http://${HOST_ADDRESS}:18080/`), 'hello from web\n');
  const web = await inspect('web');
  assert.deepEqual(web.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '', HostPort: '18080' }] });
  const id = web.Id as string;
  assert.match(inNs('nft', 'list', 'ruleset'), new RegExp(`dport 18080 dnat to ${web.NetworkSettings.IPAddress.replace(/\./g, '\\.')}:80 comment "byhand:[0-9a-f]{8}:${id}"`));

  // httpd as pid 1 ignores SIGTERM: stop kills it, and ps at once knows how it ended.
  await ok('stop', '-t', '1', 'web');
  assert.match(await ok('ps', '-a'), /Exited \(137\) \d+ seconds ago +web\n/);
  await ok('rm', 'web');
  assert.match(curl('http://127.0.0.1:18080/'), /^failed: .*(Couldn't connect|refused)/);
  assert.doesNotMatch(inNs('nft', 'list', 'ruleset'), new RegExp(`${id}|18080`));
});

test('--network none has only lo; host sees the host\'s interfaces; container:NAME shares NAME\'s', async () => {
  const links = (r: CliResult) => r.stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter(Boolean);
  assert.deepEqual(links(await byhand('run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link')), ['lo']);
  assert.ok(links(await byhand('run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link')).includes('uplink0'));
  const one = await inspect('one');
  const shared = await byhand('run', '--rm', '--network', 'container:one', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0');
  assert.match(shared.stdout, new RegExp(`inet ${one.NetworkSettings.IPAddress.replace(/\./g, '\\.')}/16`), shared.stderr);
  const refused = await byhand('run', '--rm', '--network', 'none', '-p', '8080:80', 'busybox', 'true');
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /need a bridge network/);
});

test('a user-defined network with --subnet 10.77.0.0/24 and --ip 10.77.0.10 gives exactly that address', async () => {
  assert.equal(await ok('network', 'create', 'lab', '--subnet', '10.77.0.0/24'), 'lab\n');
  const clash = await byhand('network', 'create', 'lab2', '--subnet', '10.77.0.128/25');
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /overlaps 10\.77\.0\.0\/24/);
  assert.match(await ok('network', 'ls'), /^lab\s+byhand-[0-9a-f]{6}\s+10\.77\.0\.0\/24\s+10\.77\.0\.1\s+0$/m);
  const r = await byhand('run', '--rm', '--network', 'lab', '--ip', '10.77.0.10', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0');
  assert.match(r.stdout, /inet 10\.77\.0\.10\/24/, r.stderr);
  const missing = await byhand('run', '--rm', '--network', 'nowhere', 'busybox', 'true');
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /there is no network nowhere: make it with `byhand network create nowhere/);
  assert.equal(await ok('network', 'rm', 'lab'), 'lab\n');
});

test('-P publishes the ports the image exposes, and says so when it exposes none', async () => {
  // A flat image: busybox's layer with a config that exposes 80/tcp.
  mkdirSync(join(stateDir, 'images', 'webimg'), { recursive: true });
  writeFileSync(join(stateDir, 'images', 'webimg', 'image.json'), JSON.stringify({
    rootfs: join(IMAGES, 'busybox', 'rootfs'), config: { cmd: ['sh'], exposedPorts: ['80/tcp'] },
  }));
  await ok('run', '-d', '--name', 'auto', '-P', 'webimg', 'sh', '-c', 'mkdir /www && echo auto > /www/index.html && exec httpd -f -p 80 -h /www');
  const port = (await inspect('auto')).NetworkSettings.Ports['80/tcp'][0].HostPort as string;
  assert.equal(port, '49153');
  assert.ok(await waitFor(() => curl(`http://127.0.0.1:${port}/`) === 'auto\n', 5000));
  await ok('rm', '-f', 'auto');

  // A host process that listens on 49153 keeps it: -P takes the next port, -p refuses it.
  const listener = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
    "require('net').createServer().listen(49153, '127.0.0.1', () => console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(listener);
  await new Promise((resolve) => listener.stdout!.once('data', resolve));
  await ok('run', '-d', '--name', 'auto2', '-P', 'webimg', 'sh', '-c', 'sleep 60');
  assert.equal((await inspect('auto2')).NetworkSettings.Ports['80/tcp'][0].HostPort, '49154');
  await ok('rm', '-f', 'auto2');
  const taken = await byhand('run', '--rm', '-p', '49153:80', 'busybox', 'true');
  assert.equal(taken.code, 125);
  assert.match(taken.stderr, /host port 49153\/tcp is in use: a process on this host listens there \(see ss -lntup\); pick another -p/);
  listener.kill();

  const none = await byhand('run', '--rm', '-P', 'busybox', 'true');
  assert.equal(none.code, 125);
  assert.match(none.stderr, /this image exposes none: name them with -p HOST:CONTAINER/);
});

test('--explain shows the ip and nft commands that plug a container in', async () => {
  const r = await byhand('--explain', 'run', '--rm', '-p', '18081:80', 'busybox', 'true');
  assert.equal(r.code, 0, r.stderr);
  for (const line of [
    /\] ip link add vbh[0-9a-f]{8} type veth peer name cbh[0-9a-f]{8}\n/,
    /\] ip link set vbh[0-9a-f]{8} master byhand0 up\n/,
    /\] ip link set cbh[0-9a-f]{8} netns \d+\n/,
    /\] nsenter -t \d+ -n ip addr add 172\.30\.\d+\.\d+\/16 dev eth0\n/,
    /\] nsenter -t \d+ -n ip route add default via 172\.30\.0\.1\n/,
    /\] nft add rule ip byhand prerouting fib daddr type local tcp dport 18081 dnat to 172\.30\.\d+\.\d+:80 /,
    /\] ip link del vbh[0-9a-f]{8}|\] nft delete rule ip byhand prerouting handle \d+/,
  ]) assert.match(r.stderr, line);
  // Plugged in before the command runs: the veth comes before the execve.
  assert.ok(r.stderr.indexOf('type veth') < r.stderr.indexOf('execve('), 'the network is set up before the command runs');
});

test('with every container gone, no interface, rule or lease is left', async () => {
  await ok('rm', '-f', 'one');
  assert.deepEqual(leftovers(), before_);
});

test('after a SIGKILLed `byhand run --rm`, `byhand gc` leaves nothing behind', { timeout: 60_000 }, async () => {
  const victim = byhandProcess(['run', '--rm', '--name', 'victim', '-p', '18082:80', 'busybox', 'sleep', '1000']);
  started.push(victim);
  assert.ok(await waitFor(() => leftovers().leases === 1 && /dport 18082/.test(inNs('nft', 'list', 'ruleset')), 10_000), 'the victim got plugged in');
  const plugged = await waitFor(() => leftovers().links.some((l) => l.startsWith('vbh')), 5000);
  assert.ok(plugged, 'its veth is there');
  victim.kill('SIGKILL');
  // 'exit', not 'close': the orphaned helper still holds the CLI's stdout.
  await new Promise((resolve) => victim.on('exit', resolve));
  assert.notDeepEqual(leftovers(), before_, 'the crash left the container plugged in');
  const gc = await byhand('gc');
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /removed lease bridge:172\.30\.\d+\.\d+/);
  assert.deepEqual(leftovers(), before_);
});
