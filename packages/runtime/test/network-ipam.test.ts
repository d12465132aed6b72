/** IPAM, modes and -p parsing: the pure parts of container networking. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { allocate, gatewayOf, pickSubnet, readStore, release, withStore, type NetworkRecord } from '../src/network/ipam.ts';
import { namespacePlan, parseNetworkMode, parsePublish } from '../src/network/index.ts';

function net(subnet: string): NetworkRecord {
  return { name: 'n', bridge: 'byhand-n', subnet, gateway: gatewayOf(subnet), next: 2, leases: {} };
}
const holder = (id: string) => ({ containerId: id, name: id, pid: null, ports: [] });

test('the default subnet moves off 172.30/16 when a host route clashes with it', () => {
  assert.equal(pickSubnet(['192.168.1.0/24'], []), '172.30.0.0/16');
  assert.equal(pickSubnet(['172.30.5.0/24'], []), '172.31.0.0/16');
  assert.equal(pickSubnet(['172.16.0.0/12'], ['10.0.0.0/16']), '10.1.0.0/16');
});

test('addresses are never handed out twice, even after one is released', () => {
  const n = net('10.77.0.0/29'); // .1 gateway, .2-.6 usable, .7 broadcast
  const first = allocate(n, holder('a'));
  const second = allocate(n, holder('b'));
  assert.deepEqual([first, second], ['10.77.0.2', '10.77.0.3']);
  release(n, 'a');
  assert.equal(allocate(n, holder('c')), '10.77.0.4', 'a freed address is not reused at once');
  assert.equal(allocate(n, holder('d'), '10.77.0.6'), '10.77.0.6');
  assert.throws(() => allocate(n, holder('e'), '10.77.0.6'), /taken/);
  assert.throws(() => allocate(n, holder('e'), '10.77.0.1'), /gateway/);
  assert.throws(() => allocate(n, holder('e'), '10.78.0.9'), /outside/);
  assert.equal(allocate(n, holder('f')), '10.77.0.5');
  assert.equal(allocate(n, holder('g')), '10.77.0.2', 'wraps round to the freed address only when nothing else is left');
  assert.throws(() => allocate(n, holder('h')), /no free address/);
});

test('the store survives a reload and concurrent writers do not lose leases', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'byhand-ipam-'));
  await withStore(stateDir, async (s) => {
    s.networks.n = net('10.9.0.0/24');
  });
  const ips = await Promise.all(['a', 'b', 'c', 'd'].map((id) => withStore(stateDir, async (s) => allocate(s.networks.n!, holder(id)))));
  assert.equal(new Set(ips).size, 4);
  assert.deepEqual(Object.keys(readStore(stateDir).networks.n!.leases).sort(), [...ips].sort());
});

test('-p and --network are parsed, and wrong values say what is expected', () => {
  assert.deepEqual(parsePublish('18080:80'), { hostPort: 18080, containerPort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePublish('53:5353/udp'), { hostPort: 53, containerPort: 5353, protocol: 'udp' });
  assert.throws(() => parsePublish('80'), /HOST:CONTAINER/);
  assert.deepEqual(namespacePlan(parseNetworkMode('none')), { newNetNamespace: true });
  assert.deepEqual(namespacePlan(parseNetworkMode('host')), { newNetNamespace: false });
  assert.deepEqual(namespacePlan(parseNetworkMode('container:web')), { newNetNamespace: false, joinContainer: 'web' });
  assert.deepEqual(namespacePlan(parseNetworkMode()), { newNetNamespace: true, connectTo: 'bridge' });
  assert.throws(() => parseNetworkMode('container:'), /container name/);
});
