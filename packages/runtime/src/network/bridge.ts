/**
 * A bridge is a virtual switch: every container's veth plugs into it, and its own address is
 * the containers' gateway. By hand:
 *
 *   ip link add byhand0 type bridge
 *   ip link set byhand0 alias byhand:1a2b3c4d     (which state directory made it: see below)
 *   ip addr add 172.30.0.1/16 dev byhand0
 *   ip link set byhand0 up
 */
import { run, tryRun, type CommandOptions } from './command.js';

interface LinkInfo {
  ifname: string;
  master?: string;
  ifalias?: string;
}

/**
 * Several state directories (each test's, a learner's) may share one network namespace; the
 * bridge's alias says whose it is, so one never takes over or removes another's.
 */
export const bridgeAlias = (tag: string) => `byhand:${tag}`;

interface AddrInfo {
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export async function listLinks(opts: CommandOptions): Promise<LinkInfo[]> {
  return JSON.parse(await run(['ip', '-j', 'link', 'show'], opts)) as LinkInfo[];
}

async function hasAddress(name: string, address: string, prefix: number, opts: CommandOptions): Promise<boolean> {
  const info = JSON.parse(await run(['ip', '-j', '-4', 'addr', 'show', 'dev', name], opts)) as AddrInfo[];
  return info.some((i) => i.addr_info?.some((a) => a.local === address && a.prefixlen === prefix));
}

/** Whether the name is free for a bridge of state tag `tag`: no such link, or one it made. */
export async function bridgeNameFree(name: string, tag: string, opts: CommandOptions): Promise<boolean> {
  const link = (await listLinks(opts)).find((l) => l.ifname === name);
  return !link || link.ifalias === bridgeAlias(tag);
}

/** Makes the bridge with its gateway address and brings it up; does only what is missing. */
export async function ensureBridge(name: string, tag: string, gateway: string, prefix: number, opts: CommandOptions): Promise<void> {
  const link = (await listLinks(opts)).find((l) => l.ifname === name);
  if (link && link.ifalias !== bridgeAlias(tag)) {
    throw new Error(`a link named ${name} exists and another state directory or tool made it (alias ${JSON.stringify(link.ifalias ?? '')}): remove it, or use another --state`);
  }
  if (!link) {
    await run(['ip', 'link', 'add', name, 'type', 'bridge'], opts);
    await run(['ip', 'link', 'set', name, 'alias', bridgeAlias(tag)], opts);
  }
  if (!(await hasAddress(name, gateway, prefix, opts))) await run(['ip', 'addr', 'add', `${gateway}/${prefix}`, 'dev', name], opts);
  await run(['ip', 'link', 'set', name, 'up'], opts);
}

/** Deleting the bridge also drops its address; veths still plugged in are merely unplugged. */
export async function removeBridge(name: string, tag: string, opts: CommandOptions): Promise<void> {
  if (!(await bridgeNameFree(name, tag, opts))) return; // another state directory's
  if ((await listLinks(opts)).some((l) => l.ifname === name)) await tryRun(['ip', 'link', 'del', name], opts);
}
