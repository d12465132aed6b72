/**
 * --network: what each mode means for the container's network namespace.
 *
 *   none            a new, empty network namespace: only `lo`, nothing can reach in or out
 *   host            no new network namespace: the container sees and uses the host's interfaces
 *   container:NAME  join NAME's network namespace (setns): same interfaces, addresses, ports
 *   bridge          a new network namespace plugged into the default bridge byhand0
 *   NAME            a new network namespace plugged into the user-defined network NAME
 */
import { readFileSync } from 'node:fs';

export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; container: string }
  | { kind: 'bridge'; network: string };

export const DEFAULT_NETWORK = 'bridge';

/** Root of the initial user namespace sees every id mapped to itself. */
function inInitialUserNamespace(): boolean {
  try {
    return /^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8'));
  } catch {
    return true;
  }
}

/**
 * --network when none is given: $BYHAND_NETWORK, else bridge on a host, but none inside a
 * learner's sandbox (a user namespace): there the netns is the learner's own lab, with no way
 * out to gain from NAT, and `ip link` should show only what they made themselves until they ask
 * for `--network bridge`.
 */
export function defaultNetworkMode(): string {
  return process.env.BYHAND_NETWORK || (inInitialUserNamespace() ? DEFAULT_NETWORK : 'none');
}

export function parseNetworkMode(value: string = DEFAULT_NETWORK): NetworkMode {
  if (value === 'none' || value === 'host') return { kind: value };
  if (value.startsWith('container:')) {
    const container = value.slice('container:'.length);
    if (!container) throw new Error('--network container: needs a container name or id, e.g. --network container:web');
    return { kind: 'container', container };
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value)) throw new Error(`--network ${value}: expected none, host, container:NAME, bridge or a network's name`);
  return { kind: 'bridge', network: value };
}

export interface NamespacePlan {
  /** Unshare a new network namespace (CLONE_NEWNET) for the container. */
  newNetNamespace: boolean;
  /** Instead, join this container's network namespace (/proc/PID/ns/net of its pid 1). */
  joinContainer?: string;
  /** Once the container's pid exists, connect() it to this network. */
  connectTo?: string;
}

export function namespacePlan(mode: NetworkMode): NamespacePlan {
  switch (mode.kind) {
    case 'none':
      return { newNetNamespace: true };
    case 'host':
      return { newNetNamespace: false };
    case 'container':
      return { newNetNamespace: false, joinContainer: mode.container };
    case 'bridge':
      return { newNetNamespace: true, connectTo: mode.network };
  }
}
