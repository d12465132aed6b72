/**
 * What a sandbox with egress may reach: the internet through the host's NAT, and nothing else.
 * Strangers have root in these sandboxes, so the agent's own nft table (inet: IPv6 too, since
 * every veth gets a link-local address) refuses
 *   - any new connection to the host itself, on any of its addresses, the gateway's included
 *     (input hook), except DNS when the host is a configured nameserver;
 *   - private and special ranges, cloud metadata (169.254.169.254) among them, except DNS to a
 *     configured nameserver;
 *   - other sandboxes: bridge port isolation stops them at layer 2, and a new connection routed
 *     back into the bridge is dropped here;
 *   - any connection from outside into a sandbox (only replies are let in);
 *   - sources outside the subnet (a learner setting a spoofed address on eth0);
 *   - within the subnet, another sandbox's MAC or address: the bridge table of
 *     egress-spoofing.ts, loaded with this one.
 * TCP is answered with a reset so a refused connection fails at once; the rest is dropped.
 * The table is loaded whole with `nft -f` (one transaction: no moment with half the rules).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { network } from '@byhand/runtime';
import { spoofingRuleset } from './egress-spoofing.js';

/** Never reachable from a sandbox (RFC 1918, CGNAT, link-local, loopback, "this network", multicast, reserved). */
export const BLOCKED_RANGES = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16',
  '224.0.0.0/4', '240.0.0.0/4',
];

export interface FirewallPlan {
  table: string;
  bridge: string;
  subnet: string;
  nameservers: string[];
}

export function firewallTable(stateDir: string): string {
  return `byhand_egress_${network.stateTag(stateDir)}`;
}

const set = (items: string[]) => `{ ${items.join(', ')} }`;

export function firewallRuleset(p: FirewallPlan): string {
  const br = `iifname "${p.bridge}"`;
  const dns = `ip daddr @nameservers meta l4proto { tcp, udp } th dport 53 accept`;
  return `# The sandbox agent's egress firewall; the agent rewrites it at start and removes it when egress is off.
add table inet ${p.table}
delete table inet ${p.table}
table inet ${p.table} {
  set nameservers { type ipv4_addr; elements = ${set(p.nameservers)} }
  set blocked { type ipv4_addr; flags interval; elements = ${set(BLOCKED_RANGES)} }
  chain input {
    type filter hook input priority -10; policy accept;
    ${br} ct state established,related accept
    ${br} ${dns}
    ${br} meta l4proto tcp reject with tcp reset
    ${br} drop
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    oifname "${p.bridge}" ct state established,related accept
    oifname "${p.bridge}" drop
    ${br} meta nfproto ipv6 drop
    ${br} ip saddr != ${p.subnet} drop
    ${br} ${dns}
    ${br} ip daddr @blocked meta l4proto tcp reject with tcp reset
    ${br} ip daddr @blocked drop
  }
}
${spoofingRuleset(p.table)}`;
}

/** Writes the ruleset next to the network's state (for an admin to read) and loads it. */
export async function applyFirewall(stateDir: string, plan: Omit<FirewallPlan, 'table'>, opts: network.CommandOptions): Promise<void> {
  const file = join(stateDir, 'firewall.nft');
  writeFileSync(file, firewallRuleset({ ...plan, table: firewallTable(stateDir) }), { mode: 0o600 });
  await network.run(['nft', '-f', file], opts);
}

export async function removeFirewall(stateDir: string, opts: network.CommandOptions): Promise<void> {
  const table = firewallTable(stateDir);
  for (const family of ['inet', 'bridge']) {
    if (await network.tryRun(['nft', 'list', 'table', family, table], opts)) await network.run(['nft', 'delete', 'table', family, table], opts);
  }
}
