/**
 * Anti-spoofing on the egress bridge. Learners are root in their sandbox's network namespace:
 * they may change eth0's MAC or address, or send forged ARP, to claim another sandbox's
 * address and get its replies. So a frame entering the bridge from a sandbox's port may carry
 * only that sandbox's MAC and leased IPv4 address (IP source; ARP sender, both fields); any
 * other frame, IPv6 (and its neighbour discovery) and VLAN tags included, is dropped before the
 * bridge learns its source MAC or the host reads its ARP.
 *
 * nft in the bridge family, not bridge learning off + static FDB + permanent neighbours: one
 * table checks MAC, IP and ARP in one place, per-session add/remove is one element each, and
 * the table goes whole when the agent reloads or removes its firewall (nothing per port to hunt
 * down after a killed agent). Ports are known by name (`meta ibrname` is not in every kernel).
 *
 * Order, so that no frame of a sandbox passes unchecked: its port is claimed (everything
 * dropped) before the veth exists; after connecting, the agent sets eth0's MAC itself (derived
 * from the lease, so it cannot be one the learner chose in the moment before) and only then
 * allows that MAC and address on that port.
 */
import { network } from '@byhand/runtime';

export interface PortPin {
  /** The host end of the sandbox's veth, a port of the egress bridge. */
  port: string;
  mac: string;
  ip: string;
}

/** The bridge-family table, loaded in the same file (and transaction) as the inet one. */
export function spoofingRuleset(table: string): string {
  const arp = 'ether type arp arp htype 1 arp ptype ip arp hlen 6 arp plen 4';
  return `add table bridge ${table}
delete table bridge ${table}
table bridge ${table} {
  # Ports of sandboxes: every frame from them is checked, from before their veth exists.
  set ports { type ifname; }
  # What each port may send: its sandbox's MAC and leased address.
  set pins { type ifname . ether_addr . ipv4_addr; }
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    iifname @ports jump sandbox
  }
  chain sandbox {
    ether type ip iifname . ether saddr . ip saddr @pins accept
    ${arp} iifname . ether saddr . arp saddr ip @pins iifname . arp saddr ether . arp saddr ip @pins accept
    drop
  }
}
`;
}

/** A locally administered MAC made of the lease's address: unique on the bridge, known to the agent. */
export function macFor(ip: string): string {
  const hex = ip.split('.').map((n) => Number(n).toString(16).padStart(2, '0'));
  return ['02', '62', ...hex].join(':');
}

const portElement = (port: string) => `{ "${port}" }`;
const pinElement = (p: PortPin) => `{ "${p.port}" . ${p.mac} . ${p.ip} }`;

/** Before the veth is made: from its first frame on, nothing from this port passes. */
export async function claimPort(table: string, port: string, opts: network.CommandOptions): Promise<void> {
  await network.run(['nft', `add element bridge ${table} ports ${portElement(port)}`], opts);
}

/** Sets eth0's MAC in the sandbox (pid 1's netns), then lets the port send as MAC and IP. */
export async function pinPort(table: string, pid: number, pin: PortPin, opts: network.CommandOptions): Promise<void> {
  await network.run(['nsenter', '-t', String(pid), '-n', 'ip', 'link', 'set', 'eth0', 'address', pin.mac], opts);
  await network.run(['nft', `add element bridge ${table} pins ${pinElement(pin)}`], opts);
}

/** Claims and pins ports at once (one transaction), without touching the sandboxes. */
export async function restorePins(table: string, pins: PortPin[], opts: network.CommandOptions): Promise<void> {
  const commands = pins.flatMap((p) => [`add element bridge ${table} ports ${portElement(p.port)}`, `add element bridge ${table} pins ${pinElement(p)}`]);
  await network.run(['nft', commands.join('; ')], opts);
}

/** Removes the port's elements (one transaction); `pin` only when it was added. */
export async function releasePort(table: string, port: string, pin: PortPin | null, opts: network.CommandOptions): Promise<void> {
  const commands = [`delete element bridge ${table} ports ${portElement(port)}`];
  if (pin) commands.unshift(`delete element bridge ${table} pins ${pinElement(pin)}`);
  await network.run(['nft', commands.join('; ')], opts);
}
