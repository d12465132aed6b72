/**
 * BYHAND_EGRESS=on through the real agent (`src/main.ts`), real sandboxes and the real kernel.
 * Nothing here sends a packet beyond network namespaces this test makes: the agent runs inside
 * a namespace "host" (nsenter --net), whose only way out is a veth to a namespace "outside"
 * holding the "internet" (203.0.113.10, TEST-NET-3), a "LAN" host (10.99.0.10), a LAN
 * nameserver (10.99.0.53) and a "metadata" host (169.254.169.254). The test talks to the agent
 * through a Unix socket relayed to its loopback port in "host".
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { network } from '@byhand/runtime';
import { agentHeaders, LAB_IMAGE, requireSandboxes, TermClient, waitUntil } from './helpers.js';

const agentDir = fileURLToPath(new URL('..', import.meta.url));
const tag = randomBytes(3).toString('hex');
const HOST = `bh-egh-${tag}`;
const OUTSIDE = `bh-ego-${tag}`;
const work = mkdtempSync(join(tmpdir(), 'byhand-egress-test-'));
const AGENT_PORT = 3901;
const SECRET = 'egress-test-secret';
const started: ChildProcess[] = [];

const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (ns: string, ...argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);

/** Servers in "outside": HTTP on :8080 that says who called, DNS on 10.99.0.53 (*.test is 203.0.113.10). */
const OUTSIDE_SERVERS = `
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';
createServer((req, res) => res.end('you are ' + req.socket.remoteAddress.replace('::ffff:', '') + '\\n')).listen(8080, '0.0.0.0');
const dns = createSocket('udp4');
dns.on('message', (q, from) => {
  let end = 12;
  while (q[end] !== 0) end += q[end] + 1;
  const question = q.subarray(12, end + 5);
  const isA = q.readUInt16BE(end + 1) === 1;
  const header = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, isA ? 1 : 0, 0, 0, 0, 0]);
  const answer = isA ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 10]) : Buffer.alloc(0);
  dns.send(Buffer.concat([header, question, answer]), from.port, from.address);
});
dns.bind(53, '10.99.0.53', () => console.log('ready'));
`;

/** In "host": a listener on every address (as SSH or Caddy would be), and the relay to the agent. */
const HOST_SERVERS = `
import { createServer as http } from 'node:http';
import { createServer, connect } from 'node:net';
http((req, res) => res.end('host secret\\n')).listen(8081, '::', () => {
  // An error on either side (a SIGKILLed agent resets its connections) ends both, never this process.
  createServer((s) => {
    const up = connect(${AGENT_PORT}, '127.0.0.1');
    const end = () => { s.destroy(); up.destroy(); };
    s.on('error', end);
    up.on('error', end);
    s.pipe(up).pipe(s);
  }).listen(process.argv[2], () => console.log('ready'));
});
`;

/** Prints whether a TCP connection to host:port opens within 2 s: "connected", "timeout" or the error code. */
const PROBE = `
import { connect } from 'node:net';
const s = connect(Number(process.argv[3]), process.argv[2], () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });
setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);
`;

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

function background(argv: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: agentDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

/** Prints what a TCP server at host:port says before it closes: its name, or the error code, or "timeout". */
const BANNER = `
import { connect } from 'node:net';
let got = '';
const s = connect(Number(process.argv[3]), process.argv[2]);
s.on('data', (d) => (got += d));
s.on('end', () => { console.log(got.trim() || 'empty'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });
setTimeout(() => { console.log(got.trim() || 'timeout'); process.exit(0); }, 3000);
`;

const banner = (host: string, port: number) => inNs(HOST, process.execPath, join(work, 'banner.mjs'), host, String(port)).trim();
const probe = (ns: string, host: string, port: number) => inNs(ns, process.execPath, join(work, 'probe.mjs'), host, String(port)).trim();

let relay: Server;
let relayPort = 0;

function requireTools(): void {
  for (const tool of ['ip', 'nft', 'nsenter', 'bridge']) {
    try {
      sh(['sh', '-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`egress needs \`${tool}\` on PATH: apt-get install iproute2 nftables util-linux`);
    }
  }
}

before(async () => {
  requireSandboxes();
  requireTools();
  sh(['ip', 'netns', 'add', HOST]);
  sh(['ip', 'netns', 'add', OUTSIDE]);
  sh(['ip', '-n', HOST, 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'wire', 'netns', OUTSIDE]);
  for (const cidr of ['203.0.113.1/24', '10.99.0.1/24', '169.254.0.1/16']) sh(['ip', '-n', HOST, 'addr', 'add', cidr, 'dev', 'uplink']);
  for (const cidr of ['203.0.113.10/24', '10.99.0.10/24', '10.99.0.53/24', '169.254.169.254/16']) sh(['ip', '-n', OUTSIDE, 'addr', 'add', cidr, 'dev', 'wire']);
  for (const [ns, dev] of [[HOST, 'uplink'], [OUTSIDE, 'wire']] as const) {
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  }
  sh(['ip', '-n', HOST, 'route', 'add', 'default', 'via', '203.0.113.10']);
  // As on a machine without br_netfilter: frames between sandboxes skip nft, so the bridge's
  // port isolation alone must keep them apart (where the module is loaded, nft drops them too).
  if (existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) inNs(HOST, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0');
  file('probe.mjs', PROBE);
  file('banner.mjs', BANNER);
  const outside = background(['ip', 'netns', 'exec', OUTSIDE, process.execPath, file('outside.mjs', OUTSIDE_SERVERS)]);
  const socket = join(work, 'agent.sock');
  const host = background(['nsenter', `--net=/run/netns/${HOST}`, process.execPath, file('host.mjs', HOST_SERVERS), socket]);
  await waitUntil(`the test's servers to start: ${outside.err()} ${host.err()}`, () => outside.out().includes('ready') && host.out().includes('ready'));
  relay = createServer((s) => {
    const up = connect(socket);
    const end = () => { s.destroy(); up.destroy(); };
    s.on('error', end);
    up.on('error', end);
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayPort = (relay.address() as { port: number }).port;
});

after(() => {
  relay?.close();
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  for (const ns of [HOST, OUTSIDE]) {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      // not made: before() failed early
    }
  }
});

interface Agent {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

function startAgent(egress: 'on' | 'off'): Agent {
  return background(['nsenter', `--net=/run/netns/${HOST}`, process.execPath, '--import', 'tsx', 'src/main.ts'], {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    BYHAND_STATE_DIR: process.env.BYHAND_STATE_DIR!,
    ...(process.env.BYHAND_INIT_HELPER ? { BYHAND_INIT_HELPER: process.env.BYHAND_INIT_HELPER } : {}),
    BYHAND_AGENT_PORT: String(AGENT_PORT),
    BYHAND_AGENT_HOST: '127.0.0.1',
    BYHAND_AGENT_SECRET: SECRET,
    BYHAND_LAB_IMAGE: LAB_IMAGE,
    BYHAND_EGRESS: egress,
    BYHAND_EGRESS_DNS: '10.99.0.53',
  });
}

function logged(agent: Agent, event: string): Record<string, unknown>[] {
  return agent.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event);
}

async function listening(agent: Agent): Promise<void> {
  await waitUntil(`the agent to listen; stderr: ${agent.err()}`, () => logged(agent, 'listening').length > 0, 20_000);
}

async function stop(agent: Agent): Promise<void> {
  agent.child.kill('SIGTERM');
  await waitUntil(`the agent to stop; stderr: ${agent.err()}`, () => agent.child.exitCode !== null, 15_000);
  assert.equal(agent.child.exitCode, 0, agent.err());
}

async function startSession(): Promise<{ id: string; term: TermClient }> {
  const res = await fetch(`http://127.0.0.1:${relayPort}/v1/sessions`, {
    method: 'POST', headers: agentHeaders(SECRET), body: '{"lesson":"namespaces"}',
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id, token } = (await res.json()) as { id: string; token: string };
  const term = await TermClient.open(`ws://127.0.0.1:${relayPort}/v1/sessions/${id}/tty?token=${token}`);
  await term.waitForMessage('ready');
  return { id, term };
}

async function endSession(agent: Agent, id: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${relayPort}/v1/sessions/${id}`, { method: 'DELETE', headers: agentHeaders(SECRET) });
  assert.equal(res.status, 204);
  await waitUntil(`session ${id} to end`, () => logged(agent, 'session ended').some((e) => e.id === id));
}

/** The sandbox's address once the agent has plugged it in. */
async function plugged(agent: Agent, id: string): Promise<string> {
  await waitUntil(`session ${id} to be plugged in; log: ${agent.out().slice(-800)}`, () => logged(agent, 'egress plugged in').some((e) => e.id === id));
  return String(logged(agent, 'egress plugged in').find((e) => e.id === id)!.address);
}

let seq = 100;
/** Types `command` into the terminal; resolves with what it printed and its exit status. */
async function typed(term: TermClient, command: string, timeoutMs = 15_000): Promise<{ out: string; rc: number }> {
  const n = seq++;
  const from = term.output.length;
  // $((n+0)) keeps the echo of the typed line itself from matching.
  term.type(`${command}; rc=$?; echo "@done-$((${n}+0)) rc=$rc"\r`);
  const marker = new RegExp(`@done-${n} rc=(\\d+)`);
  await waitUntil(`${JSON.stringify(command)} to finish; got ${JSON.stringify(term.output.slice(-400))}`, () => marker.test(term.output.slice(from)), timeoutMs);
  const text = term.output.slice(from);
  const match = marker.exec(text)!;
  return { out: text.slice(0, match.index), rc: Number(match[1]) };
}

const links = () => (JSON.parse(inNs(HOST, 'ip', '-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname);
const egressDir = () => join(process.env.BYHAND_STATE_DIR!, 'egress');
function leases(): string[] {
  const path = join(egressDir(), 'networks', 'networks.json');
  if (!existsSync(path)) return [];
  const store = JSON.parse(readFileSync(path, 'utf8')) as { networks: Record<string, { leases: Record<string, unknown> }> };
  return Object.values(store.networks).flatMap((n) => Object.keys(n.leases));
}
const nftTables = () => inNs(HOST, 'nft', 'list', 'tables').trim().split('\n').filter(Boolean);
const natRules = () => (nftTables().includes('table ip byhand') ? inNs(HOST, 'nft', 'list', 'table', 'ip', 'byhand') : '');

/** The anti-spoofing table's elements (ports, and each port's MAC and address), one string per set. */
function antiSpoofing(): string[] {
  const table = nftTables().find((t) => t.startsWith('table bridge byhand_egress_'));
  if (!table) return [];
  return [...inNs(HOST, 'nft', 'list', ...table.split(' ')).matchAll(/elements = \{([^}]*)\}/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
}

/** Nothing of a session is left in "host": no veth, no lease, no NAT rule, no bridge, no per-port rule. */
function assertNoSessionLeftovers(): void {
  assert.deepEqual(links().filter((l) => /^(vbh|cbh|byhand)/.test(l)), [], 'no veth or bridge is left');
  assert.deepEqual(leases(), [], 'no lease is left');
  assert.doesNotMatch(natRules(), /comment/, 'no NAT rule is left');
  assert.deepEqual(antiSpoofing(), [], 'no anti-spoofing element is left');
}

test('egress on: a sandbox reaches the internet through NAT and resolves names, but not the host, the LAN, metadata, another sandbox, and nothing reaches it', async () => {
  const agent = startAgent('on');
  try {
    await listening(agent);
    const [on] = logged(agent, 'egress on');
    assert.equal(on?.nameservers, '10.99.0.53');
    const bridge = String(on!.bridge);
    const a = await startSession();
    const b = await startSession();
    await plugged(agent, a.id);
    const addressB = await plugged(agent, b.id);
    const gateway = JSON.parse(inNs(HOST, 'ip', '-j', '-4', 'addr', 'show', 'dev', bridge))[0].addr_info[0].local as string;

    // In sandbox B: a server, which the host can reach (so the refusals below are the firewall's).
    await typed(b.term, '(nc -lk 9000 >/dev/null &)');
    await waitUntil('sandbox B\'s listener', () => probe(HOST, addressB, 9000) === 'connected');
    assert.match(inNs(HOST, 'curl', '-sS', '--max-time', '3', 'http://10.99.0.10:8080/'), /you are 10\.99\.0\.1/, 'the LAN host serves the host');
    assert.match(inNs(HOST, 'curl', '-sS', '--max-time', '3', `http://${gateway}:8081/`), /host secret/, 'the host listens on the gateway address');

    const resolv = await typed(a.term, 'cat /etc/resolv.conf && stat -c "%u:%g" /etc/resolv.conf');
    assert.match(resolv.out, /^nameserver 10\.99\.0\.53\r?$/m);
    assert.match(resolv.out, /^0:0\r?$/m, 'the sandbox\'s root owns it');
    assert.equal((await typed(a.term, 'echo "# edited" >> /etc/resolv.conf')).rc, 0, 'the learner may edit it');

    const internet = await typed(a.term, 'curl -sS --max-time 5 http://www.example.test:8080/');
    assert.equal(internet.rc, 0, internet.out);
    assert.match(internet.out, /you are 203\.0\.113\.1\b/, 'the name resolves and the server sees the host\'s address (NAT)');

    const blocked: [string, string][] = [
      ['metadata', 'http://169.254.169.254:8080/'],
      ['the LAN host', 'http://10.99.0.10:8080/'],
      ['the nameserver on another port than 53', 'http://10.99.0.53:8080/'],
      ['the host through the gateway', `http://${gateway}:8081/`],
      ['the host through its own uplink address', 'http://203.0.113.1:8081/'],
      ['sandbox B', `http://${addressB}:9000/`],
    ];
    // Every veth gets an IPv6 link-local address, and the host's listener is on [::] too.
    const linkLocal = JSON.parse(inNs(HOST, 'ip', '-j', '-6', 'addr', 'show', 'dev', bridge))[0]?.addr_info?.[0]?.local as string | undefined;
    assert.ok(linkLocal, 'the bridge has an IPv6 link-local address');
    blocked.push(['the host over IPv6 link-local', `-g 'http://[${linkLocal}%eth0]:8081/'`]);
    const reached: string[] = [];
    for (const [what, url] of blocked) {
      // A connection that opens counts, even where the server then says nothing (sandbox B's nc).
      const r = await typed(a.term, `curl -sS --max-time 3 -w ' connected-in=%{time_connect}' ${url}`);
      if (r.rc === 0 || !/connected-in=0\.0+\b/.test(r.out)) reached.push(`${what}: ${r.out.trim()}`);
    }
    assert.deepEqual(reached, [], 'each of these must be unreachable from a sandbox');

    // From outside, with a route to the sandboxes' subnet through the host: nothing gets in.
    const subnet = String(on!.subnet);
    inNs(OUTSIDE, 'ip', 'route', 'add', subnet, 'via', '203.0.113.1');
    assert.equal(probe(OUTSIDE, addressB, 9000), 'timeout', 'a connection from outside into a sandbox is dropped');

    await endSession(agent, a.id);
    await endSession(agent, b.id);
    await waitUntil('the sessions\' plumbing to go', () => leases().length === 0);
    assertNoSessionLeftovers();
    assert.ok(nftTables().some((t) => t.startsWith('table inet byhand_egress_')), 'the firewall stays while the agent runs');
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

/** eth0's MAC, as the sandbox sees it. */
async function macOf(term: TermClient): Promise<string> {
  const { out } = await typed(term, 'cat /sys/class/net/eth0/address');
  return /\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/.exec(out)![1]!;
}

/** A server on :9000 in the sandbox, on every address, that tells who it is. */
const nameServer = (name: string) => `(while :; do echo ${name} | nc -N -l 9000; done >/dev/null 2>&1 &)`;

test('egress: a sandbox that takes another\'s address or MAC (and forges ARP) gets none of its traffic', async () => {
  const agent = startAgent('on');
  try {
    await listening(agent);
    const [on] = logged(agent, 'egress on');
    const bridge = String(on!.bridge);
    const prefix = String(on!.subnet).split('/')[1];
    const a = await startSession();
    const b = await startSession();
    const addressA = await plugged(agent, a.id);
    const addressB = await plugged(agent, b.id);
    const gateway = JSON.parse(inNs(HOST, 'ip', '-j', '-4', 'addr', 'show', 'dev', bridge))[0].addr_info[0].local as string;
    const [macA, macB] = [await macOf(a.term), await macOf(b.term)];
    const [portA, portB] = [network.vethNames(a.id).host, network.vethNames(b.id).host];
    assert.ok(antiSpoofing().some((e) => e.includes(`"${portA}" . ${macA} . ${addressA}`)), `port ${portA} is pinned to ${macA} and ${addressA}: ${antiSpoofing().join(' | ')}`);

    await typed(a.term, nameServer('I-am-A'));
    await typed(b.term, nameServer('I-am-B'));
    await waitUntil('the host to reach sandbox B\'s server', () => banner(addressB, 9000) === 'I-am-B');
    const hostSees = () => (JSON.parse(inNs(HOST, 'ip', '-j', 'neigh', 'show', addressB, 'dev', bridge)) as { lladdr?: string }[])[0]?.lladdr;
    assert.equal(hostSees(), macB);
    /** What must hold whatever A does: B's traffic (the host's and the internet's replies) reaches B. */
    const assertBGetsItsTraffic = async (after: string) => {
      assert.equal(hostSees(), macB, `${after}: the host's neighbour entry for B's address still has B's MAC`);
      assert.equal(banner(addressB, 9000), 'I-am-B', `${after}: the host connecting to B's address reaches B, not A`);
      const out = await typed(b.term, 'curl -sS --max-time 4 http://203.0.113.10:8080/');
      assert.equal(out.rc, 0, `${after}: B still gets the replies of a server outside: ${out.out}`);
    };

    // A takes B's address, and asks the gateway for its MAC as B (ARP with B's address as sender).
    await typed(a.term, `ip addr flush dev eth0 && ip addr add ${addressB}/${prefix} dev eth0 && ip route add default via ${gateway}`);
    await typed(a.term, `busybox arping -c 2 -w 3 -I eth0 -s ${addressB} ${gateway}; busybox arping -U -c 2 -w 3 -I eth0 -s ${addressB} ${addressB}`);
    await assertBGetsItsTraffic('A took B\'s address');

    // A goes back to its own address but takes B's MAC, and sends: were the bridge to move B's
    // MAC to A's port, frames for B would go to A (where tcpdump shows them).
    await typed(a.term, `ip addr flush dev eth0 && ip addr add ${addressA}/${prefix} dev eth0 && ip route add default via ${gateway}`);
    await typed(a.term, `ip link set eth0 address ${macB} && busybox arping -c 2 -w 3 -I eth0 ${gateway}; curl -sS --max-time 2 http://203.0.113.10:8080/`);
    const fdb = JSON.parse(inNs(HOST, 'bridge', '-j', 'fdb', 'show', 'br', bridge)) as { mac: string; ifname: string }[];
    assert.deepEqual(fdb.filter((e) => e.mac === macB).map((e) => e.ifname), [portB], 'the bridge knows B\'s MAC on B\'s port only');
    await assertBGetsItsTraffic('A took B\'s MAC');

    await endSession(agent, a.id);
    await endSession(agent, b.id);
    await waitUntil('the sessions\' plumbing to go', () => leases().length === 0);
    assertNoSessionLeftovers();
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

test('egress after a SIGKILLed agent: the restart removes its leftovers; a clean stop removes the firewall too', async () => {
  const agent = startAgent('on');
  try {
    await listening(agent);
    const { id, term } = await startSession();
    await plugged(agent, id);
    assert.equal((await typed(term, 'ip route get 203.0.113.10 | grep -q "dev eth0"')).rc, 0);
    assert.equal(leases().length, 1);
    agent.child.kill('SIGKILL');
    await waitUntil('the killed agent to exit', () => agent.child.exitCode !== null || agent.child.signalCode !== null);
    assert.equal(leases().length, 1, 'the lease outlives the agent');
    assert.equal(antiSpoofing().length, 2, 'its port and pin outlive it too');

    const again = startAgent('on');
    await listening(again);
    assert.match(String(logged(again, 'removed leftover egress plumbing')[0]?.items), /^egress:/);
    assertNoSessionLeftovers();
    await stop(again);
    assert.deepEqual(nftTables().filter((t) => t.includes('byhand_egress')), [], 'no firewall is left');
    assert.ok(!existsSync(egressDir()), 'no egress state is left');
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});

test('egress off, after an agent with it on was killed: its plumbing and firewall go, and a sandbox has loopback only', async () => {
  const before = startAgent('on');
  await listening(before);
  await plugged(before, (await startSession()).id);
  before.child.kill('SIGKILL');
  await waitUntil('the killed agent to exit', () => before.child.signalCode !== null);
  const agent = startAgent('off');
  try {
    await listening(agent);
    assertNoSessionLeftovers();
    assert.deepEqual(nftTables().filter((t) => t.includes('byhand')), [], 'no firewall or NAT table is left');
    assert.ok(!existsSync(egressDir()), 'no egress state is left');
    const { id, term } = await startSession();
    const route = await typed(term, 'ip route get 1.1.1.1');
    assert.notEqual(route.rc, 0);
    assert.match(route.out, /Network is unreachable/);
    const ifaces = await typed(term, 'ip -br link show');
    assert.match(ifaces.out, /^lo\s/m);
    assert.doesNotMatch(ifaces.out, /eth0/);
    assert.equal(logged(agent, 'egress on').length, 0);
    assert.deepEqual(links().filter((l) => /^(vbh|byhand)/.test(l)), []);
    await endSession(agent, id);
    await stop(agent);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  }
});
