/**
 * Which nameservers a sandbox with egress uses. The host's own /etc/resolv.conf often names a
 * resolver on the host's loopback (systemd-resolved's stub at 127.0.0.53), which a sandbox
 * cannot reach: its 127.0.0.1 is its own. Then the upstream servers systemd-resolved uses are
 * taken instead. Only IPv4 servers: sandboxes get no IPv6 address.
 */
import { readFileSync } from 'node:fs';

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
export const RESOLVED_UPSTREAM_CONF = '/run/systemd/resolve/resolv.conf';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const isIpv4 = (text: string) => IPV4.test(text);
const isLoopback = (ip: string) => ip.startsWith('127.');

/** The IPv4 `nameserver` lines of a resolv.conf, in order, each once. */
export function nameserversIn(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === 'nameserver' && value && isIpv4(value) && !found.includes(value)) found.push(value);
  }
  return found;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The host's nameservers a sandbox can reach; throws saying what to set when there are none. */
export function hostNameservers(read: (path: string) => string = readOrEmpty): string[] {
  const own = nameserversIn(read(HOST_RESOLV_CONF));
  const reachable = own.filter((ip) => !isLoopback(ip));
  if (reachable.length) return reachable;
  const upstream = nameserversIn(read(RESOLVED_UPSTREAM_CONF)).filter((ip) => !isLoopback(ip));
  if (upstream.length) return upstream;
  throw new Error(
    `egress is on, but the host has no nameserver a sandbox can reach: ${HOST_RESOLV_CONF} lists ` +
      `${own.length ? own.join(', ') + ' (loopback only)' : 'no IPv4 nameserver'} and ${RESOLVED_UPSTREAM_CONF} none; ` +
      'set BYHAND_EGRESS_DNS to the servers sandboxes should use, e.g. BYHAND_EGRESS_DNS=1.1.1.1,9.9.9.9',
  );
}

/** BYHAND_EGRESS_DNS: comma-separated IPv4 addresses; empty means "the host's". */
export function parseDnsSetting(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const list = raw.split(',').map((s) => s.trim());
  const bad = list.find((ip) => !isIpv4(ip) || isLoopback(ip));
  if (bad !== undefined) {
    throw new Error(`BYHAND_EGRESS_DNS must list IPv4 nameservers a sandbox can reach (not loopback), comma-separated, e.g. 1.1.1.1,9.9.9.9; ${JSON.stringify(bad)} is not one`);
  }
  return [...new Set(list)];
}

export function resolvConfText(nameservers: string[]): string {
  return `# Written by the sandbox agent (egress is on): the host's nameservers. You may edit it.\n${nameservers.map((ip) => `nameserver ${ip}\n`).join('')}`;
}
