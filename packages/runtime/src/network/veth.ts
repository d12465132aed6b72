/**
 * A veth pair is a virtual cable: what goes in one end comes out of the other. One end stays on
 * the host, plugged into the bridge; the other moves into the container's network namespace
 * (named by its pid) and becomes its eth0. By hand:
 *
 *   ip link add vbh1a2b3c4d type veth peer name cbh1a2b3c4d
 *   ip link set vbh1a2b3c4d master byhand0 up
 *   ip link set cbh1a2b3c4d netns 4242
 *   nsenter -t 4242 -n ip link set cbh1a2b3c4d name eth0
 *   nsenter -t 4242 -n ip addr add 172.30.0.2/16 dev eth0
 *   nsenter -t 4242 -n ip link set eth0 up
 *   nsenter -t 4242 -n ip link set lo up
 *   nsenter -t 4242 -n ip route add default via 172.30.0.1
 *
 * Not `ip -n NAME` or `ip netns exec`: both remount /sys for the namespace, which the kernel
 * refuses inside a learner's sandbox (a user namespace), where byhand must work too.
 */
import { run, tryRun, type CommandOptions } from './command.js';

/** Host ends start with this, so gc can tell ours from anything else on the host. */
export const HOST_PREFIX = 'vbh';
/** The container end's name until it is moved and renamed eth0. */
export const PEER_PREFIX = 'cbh';

/** Interface names are at most 15 bytes: the prefix and 8 characters of the container id. */
export function vethNames(containerId: string): { host: string; peer: string } {
  const tag = containerId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  if (!tag) throw new Error(`container id "${containerId}" has no letters or digits to name its veth after`);
  return { host: `${HOST_PREFIX}${tag}`, peer: `${PEER_PREFIX}${tag}` };
}

export interface VethPlan {
  containerId: string;
  pid: number;
  bridge: string;
  address: string;
  prefix: number;
  gateway: string;
  /** Bridge port isolation: this port talks to the bridge (the host) only, never to other ports. */
  isolated?: boolean;
}

function inContainer(pid: number, argv: string[]): string[] {
  return ['nsenter', '-t', String(pid), '-n', ...argv];
}

export async function connectVeth(plan: VethPlan, opts: CommandOptions): Promise<void> {
  const { host, peer } = vethNames(plan.containerId);
  await run(['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer], opts);
  await run(['ip', 'link', 'set', host, 'master', plan.bridge, 'up'], opts);
  // Before the peer is up: no frame can pass between members before the port is isolated.
  if (plan.isolated) await run(['bridge', 'link', 'set', 'dev', host, 'isolated', 'on'], opts);
  await run(['ip', 'link', 'set', peer, 'netns', String(plan.pid)], opts);
  await run(inContainer(plan.pid, ['ip', 'link', 'set', peer, 'name', 'eth0']), opts);
  await run(inContainer(plan.pid, ['ip', 'addr', 'add', `${plan.address}/${plan.prefix}`, 'dev', 'eth0']), opts);
  await run(inContainer(plan.pid, ['ip', 'link', 'set', 'eth0', 'up']), opts);
  await run(inContainer(plan.pid, ['ip', 'link', 'set', 'lo', 'up']), opts);
  await run(inContainer(plan.pid, ['ip', 'route', 'add', 'default', 'via', plan.gateway]), opts);
}

/** Deleting either end deletes both; when the container's netns died first, both are gone already. */
export async function removeVeth(containerId: string, opts: CommandOptions): Promise<void> {
  const { host, peer } = vethNames(containerId);
  const links = JSON.parse(await run(['ip', '-j', 'link', 'show'], opts)) as { ifname: string }[];
  for (const name of [host, peer]) {
    if (links.some((l) => l.ifname === name)) await tryRun(['ip', 'link', 'del', name], opts);
  }
}
