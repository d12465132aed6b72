/**
 * Host ports that a process on this host already holds, from /proc/net/{tcp,tcp6,udp,udp6} of
 * the caller's network namespace (where the DNAT rules apply): a published port there would
 * silently take that process's traffic, so -p refuses it and -P skips it, as Docker does.
 */
import { readFileSync } from 'node:fs';

const TCP_LISTEN = '0A';

function portsIn(file: string, protocol: 'tcp' | 'udp'): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // no IPv6 in this kernel
  }
  // "sl local_address rem_address st ...": local_address is HEXADDR:HEXPORT, st the socket state.
  return text.split('\n').slice(1).map((line) => line.trim().split(/\s+/)).filter((f) => f.length > 3)
    .filter((f) => protocol === 'udp' || f[3] === TCP_LISTEN)
    .map((f) => `${parseInt(f[1]!.split(':')[1]!, 16)}/${protocol}`);
}

/** "PORT/tcp" and "PORT/udp" of every listening TCP socket and bound UDP socket. */
export function heldPorts(): Set<string> {
  return new Set([
    ...portsIn('/proc/net/tcp', 'tcp'), ...portsIn('/proc/net/tcp6', 'tcp'),
    ...portsIn('/proc/net/udp', 'udp'), ...portsIn('/proc/net/udp6', 'udp'),
  ]);
}
