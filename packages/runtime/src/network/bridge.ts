/**
 * A bridge is a virtual switch: every container's veth plugs into it, and its own address is
 * the containers' gateway. By hand:
 *
 *   ip link add byhand0 type bridge
 *   ip addr add 172.30.0.1/16 dev byhand0
 *   ip link set byhand0 up
 */
import { run, tryRun, type CommandOptions } from './command.js';

interface LinkInfo {
  ifname: string;
  master?: string;
}

interface AddrInfo {
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export async function listLinks(opts: CommandOptions): Promise<LinkInfo[]> {
  return JSON.parse(await run(['ip', '-j', 'link', 'show'], opts)) as LinkInfo[];
}

async function linkExists(name: string, opts: CommandOptions): Promise<boolean> {
  return (await listLinks(opts)).some((l) => l.ifname === name);
}

async function hasAddress(name: string, address: string, prefix: number, opts: CommandOptions): Promise<boolean> {
  const info = JSON.parse(await run(['ip', '-j', '-4', 'addr', 'show', 'dev', name], opts)) as AddrInfo[];
  return info.some((i) => i.addr_info?.some((a) => a.local === address && a.prefixlen === prefix));
}

/** Makes the bridge with its gateway address and brings it up; does only what is missing. */
export async function ensureBridge(name: string, gateway: string, prefix: number, opts: CommandOptions): Promise<void> {
  if (!(await linkExists(name, opts))) await run(['ip', 'link', 'add', name, 'type', 'bridge'], opts);
  if (!(await hasAddress(name, gateway, prefix, opts))) await run(['ip', 'addr', 'add', `${gateway}/${prefix}`, 'dev', name], opts);
  await run(['ip', 'link', 'set', name, 'up'], opts);
}

/** Deleting the bridge also drops its address; veths still plugged in are merely unplugged. */
export async function removeBridge(name: string, opts: CommandOptions): Promise<void> {
  if (await linkExists(name, opts)) await tryRun(['ip', 'link', 'del', name], opts);
}
