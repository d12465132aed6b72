/**
 * Containers on one network reach each other by name through a hosts file per network,
 * <state>/networks/<network>.hosts, which the runtime bind-mounts read-only at each member's
 * /etc/hosts. It is rewritten in place (same inode) whenever a member joins or leaves, so every
 * container's bind mount sees the new list at once: no DNS server to run or clean up.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkRecord } from './ipam.js';

export function hostsFilePath(stateDir: string, network: string): string {
  return join(stateDir, 'networks', `${network}.hosts`);
}

export function hostsText(net: NetworkRecord): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const lease of Object.values(net.leases)) lines.push(`${lease.ip}\t${lease.name}\t${lease.containerId.slice(0, 12)}`);
  return `${lines.join('\n')}\n`;
}

/** Truncates and rewrites the same file: a rename would leave bind mounts on the old inode. */
export function writeHosts(stateDir: string, net: NetworkRecord): string {
  const path = hostsFilePath(stateDir, net.name);
  writeFileSync(path, hostsText(net), { mode: 0o644 });
  return path;
}

export function removeHosts(stateDir: string, network: string): void {
  rmSync(hostsFilePath(stateDir, network), { force: true });
}
