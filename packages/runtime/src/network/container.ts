/**
 * A container's side of networking, as launch uses it: before the helper runs, the network is
 * checked and its hosts file made (it is bind-mounted at /etc/hosts); once the container's pid 1
 * exists, and before its command runs, it is plugged in; when it ends, unplugged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Volume } from '../config.js';
import type { TraceEvent } from '../explain.js';
import { resolveCommand } from '../lifecycle/command.js';
import { connect, disconnect, prepareNetwork, type Connection, type PortMapping } from './index.js';

export interface ContainerNetwork {
  /** The network's hosts file at /etc/hosts, read-only: members find each other by name. */
  hostsVolume: Volume;
  connect(pid: number): Promise<Connection>;
  teardown(): Promise<void>;
}

export interface BridgeRequest {
  id: string;
  name: string;
  network: string;
  ip?: string;
  ports: PortMapping[];
}

/**
 * The bind mount needs a file to cover. Where no layer has one, it is made in the writable layer
 * before the overlay is mounted: the helper could not create it later in a learner's sandbox,
 * where the image's /etc belongs to an id that is unmapped there.
 */
function ensureHostsFile(upper: string, layers: string[]): void {
  if (resolveCommand('/etc/hosts', [upper, ...layers], []) !== null) return;
  mkdirSync(join(upper, 'etc'), { recursive: true, mode: 0o755 });
  writeFileSync(join(upper, 'etc', 'hosts'), '', { mode: 0o644 });
}

export async function prepareContainerNetwork(stateDir: string, req: BridgeRequest, rootfs: { upper: string; layers: string[] },
  onTrace?: (e: TraceEvent) => void): Promise<ContainerNetwork> {
  const opts = { stateDir, onTrace };
  const hostsFile = await prepareNetwork(req.network, opts);
  ensureHostsFile(rootfs.upper, rootfs.layers);
  return {
    hostsVolume: { source: hostsFile, target: '/etc/hosts', readonly: true },
    connect: (pid) => connect({ id: req.id, name: req.name, pid }, req.network, { ip: req.ip, ports: req.ports }, opts),
    teardown: () => disconnect(req.id, opts),
  };
}
