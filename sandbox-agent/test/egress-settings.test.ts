/** BYHAND_EGRESS / BYHAND_EGRESS_DNS parsing and the choice of nameservers (no root needed). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { egressSettings } from '../src/config.js';
import { firewallRuleset } from '../src/egress-firewall.js';
import { applyConfigFile } from '../src/settings-file.js';
import { hostNameservers, HOST_RESOLV_CONF, nameserversIn, parseDnsSetting, RESOLVED_UPSTREAM_CONF, resolvConfText } from '../src/resolver.js';

test('BYHAND_EGRESS is off unless set to on; anything else is refused by name', () => {
  assert.deepEqual(egressSettings({}), { enabled: false, nameservers: null });
  assert.equal(egressSettings({ BYHAND_EGRESS: 'off' }).enabled, false);
  assert.equal(egressSettings({ BYHAND_EGRESS: 'on' }).enabled, true);
  for (const bad of ['yes', 'ON', '1', 'true']) {
    assert.throws(() => egressSettings({ BYHAND_EGRESS: bad }), new RegExp(`BYHAND_EGRESS must be "on" .* or "off" .*got "${bad}"`));
  }
});

test('both can be set in agent.json like the other settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-egress-config-'));
  try {
    writeFileSync(join(dir, 'agent.json'), '{"BYHAND_EGRESS": "on", "BYHAND_EGRESS_DNS": "192.0.2.1"}');
    assert.deepEqual(egressSettings(applyConfigFile({ BYHAND_STATE_DIR: dir })), { enabled: true, nameservers: ['192.0.2.1'] });
    assert.equal(egressSettings(applyConfigFile({ BYHAND_STATE_DIR: dir, BYHAND_EGRESS: 'off' })).enabled, false, 'the environment wins');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('BYHAND_EGRESS_DNS lists IPv4 nameservers; loopback and non-addresses are refused', () => {
  assert.equal(parseDnsSetting(undefined), null);
  assert.equal(parseDnsSetting(' '), null);
  assert.deepEqual(parseDnsSetting('1.1.1.1, 9.9.9.9,1.1.1.1'), ['1.1.1.1', '9.9.9.9']);
  for (const bad of ['127.0.0.53', 'dns.example', '1.1.1', '2606:4700::1111', '1.1.1.1,,']) {
    assert.throws(() => parseDnsSetting(bad), /BYHAND_EGRESS_DNS must list IPv4 nameservers/, bad);
  }
  assert.deepEqual(egressSettings({ BYHAND_EGRESS: 'on', BYHAND_EGRESS_DNS: '10.0.0.2' }).nameservers, ['10.0.0.2']);
});

test('nameserver lines are read in order, IPv4 only, each once', () => {
  const text = '# comment\nsearch corp.example\nnameserver 192.0.2.53\nnameserver  2001:db8::53\n  nameserver 198.51.100.7 \nnameserver 192.0.2.53\noptions edns0\nnameserver bogus\n';
  assert.deepEqual(nameserversIn(text), ['192.0.2.53', '198.51.100.7']);
});

test('the host\'s nameservers: its own unless they are loopback, then systemd-resolved\'s upstream ones', () => {
  const files = (main: string, upstream: string) => (path: string) => (path === HOST_RESOLV_CONF ? main : path === RESOLVED_UPSTREAM_CONF ? upstream : '');
  assert.deepEqual(hostNameservers(files('nameserver 192.0.2.1\nnameserver 127.0.0.1\n', 'nameserver 198.51.100.1\n')), ['192.0.2.1']);
  assert.deepEqual(hostNameservers(files('nameserver 127.0.0.53\noptions edns0 trust-ad\n', 'nameserver 198.51.100.1\nnameserver 198.51.100.2\n')), ['198.51.100.1', '198.51.100.2']);
  assert.throws(() => hostNameservers(files('nameserver 127.0.0.53\n', '')), /lists 127\.0\.0\.53 \(loopback only\).*set BYHAND_EGRESS_DNS/);
  assert.throws(() => hostNameservers(files('', '')), /no IPv4 nameserver.*set BYHAND_EGRESS_DNS/);
});

test('the sandbox\'s resolv.conf names only the nameservers (no host search domains)', () => {
  assert.equal(resolvConfText(['192.0.2.1', '192.0.2.2']).split('\n').filter((l) => !l.startsWith('#')).join('\n'), 'nameserver 192.0.2.1\nnameserver 192.0.2.2\n');
});

test('the firewall lets sandboxes reach the nameservers on port 53 before it refuses private ranges and the host', () => {
  const rules = firewallRuleset({ table: 't', bridge: 'byhand-x', subnet: '172.30.0.0/16', nameservers: ['10.0.0.2'] });
  assert.match(rules, /set nameservers \{ type ipv4_addr; elements = \{ 10\.0\.0\.2 \} \}/);
  for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8', '224.0.0.0/4']) assert.ok(rules.includes(range), range);
  const forward = rules.slice(rules.indexOf('chain forward'));
  assert.ok(forward.indexOf('@nameservers') < forward.indexOf('@blocked'));
  assert.ok(rules.indexOf('@nameservers') < rules.indexOf('iifname "byhand-x" drop'));
});
