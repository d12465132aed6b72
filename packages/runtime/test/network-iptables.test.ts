/**
 * The iptables (iptables-nft) fallback for hosts without nft: the same masquerade, published
 * port and clean-up, inside a network namespace this test makes (the host is never touched).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitUntil } from '../src/proc.ts';
import { connect, gc, stateTag, type NetworkOptions } from '../src/network/index.ts';
import { requireRoot } from './helpers.ts';

const ns = `byhand-test-${randomBytes(4).toString('hex')}`;
const opts: NetworkOptions = { stateDir: mkdtempSync(join(tmpdir(), 'byhand-ipt-state-')), netns: ns, nat: 'iptables' };
const started: ChildProcess[] = [];

const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (...argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);
const ruleset = () => inNs('iptables-save');

function startDetached(argv: string[]): number {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  started.push(child);
  return child.pid!;
}

before(() => {
  requireRoot();
  if (!existsSync('/usr/sbin/iptables')) throw new Error('iptables is missing: apt-get install iptables (npm run setup does)');
  sh(['ip', 'netns', 'add', ns]);
  inNs('ip', 'link', 'set', 'lo', 'up');
});

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(opts.stateDir, { recursive: true, force: true });
});

test('with iptables, a published port answers on localhost and teardown and gc remove every rule', async () => {
  const pid = startDetached(['ip', 'netns', 'exec', ns, 'unshare', '--net', 'sleep', '1000']);
  assert.ok(await waitUntil(() => existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 5000));
  const id = 'ffff0001' + randomBytes(28).toString('hex');
  const conn = await connect({ id, name: 'web', pid }, 'bridge', { ports: [{ hostPort: 18081, containerPort: 80, protocol: 'tcp' }] }, opts);
  assert.match(ruleset(), /-A BYHAND-POSTROUTING -s 172\.30\.0\.0\/16 ! -o byhand0 .*-j MASQUERADE/);
  assert.match(ruleset(), new RegExp(`--comment "?byhand:${stateTag(opts.stateDir)}:${id}"? -j DNAT --to-destination ${conn.address.replace(/\./g, '\\.')}:80`));

  const docroot = mkdtempSync(join(tmpdir(), 'byhand-httpd-'));
  writeFileSync(join(docroot, 'index.html'), 'hello via iptables\n');
  startDetached(['nsenter', '-t', String(pid), '-n', 'busybox', 'httpd', '-f', '-p', '80', '-h', docroot]);
  const answer = () => {
    try {
      return inNs('curl', '-sS', '--max-time', '3', 'http://127.0.0.1:18081/');
    } catch {
      return '';
    }
  };
  assert.ok(await waitUntil(() => answer() === 'hello via iptables\n', 5000), 'no answer on 127.0.0.1:18081');

  await conn.teardown();
  assert.doesNotMatch(ruleset(), /byhand/i, 'teardown of the last container removes the chains too');

  // A crash: connected again, then the container dies without teardown.
  const conn2 = await connect({ id, name: 'web', pid }, 'bridge', { ports: [{ hostPort: 18081, containerPort: 80, protocol: 'tcp' }] }, opts);
  assert.ok(conn2.address);
  for (const child of started) child.kill('SIGKILL');
  await waitUntil(() => !existsSync(`/proc/${pid}/comm`), 5000);
  assert.equal((await gc(opts)).leases.length, 1);
  assert.doesNotMatch(ruleset(), /byhand/i);
});
