/**
 * Container networking: networks (a bridge and a subnet each), connecting a container to one
 * (veth, address, route, NAT, published ports, names) and taking all of it down again.
 * Every command run is reported through opts.onTrace.
 */
import { createHash } from 'node:crypto';
import { processRef, isAlive } from '../proc.js';
import { ensureBridge, listLinks, removeBridge } from './bridge.js';
import { run, tryRun, type CommandOptions } from './command.js';
import { allocate, formatCidr, gatewayOf, overlaps, parseCidr, pickSubnet, release, withStore, type Lease, type NetworkRecord, type NetworkStore, type PortMapping } from './ipam.js';
import { DEFAULT_NETWORK } from './modes.js';
import { allowLocalhostTo, containerOwner, enableForwarding, natBackend, netOwner, type NatBackend } from './nat.js';
import { hostsFilePath, removeHosts, writeHosts } from './names.js';
import { connectVeth, HOST_PREFIX, PEER_PREFIX, removeVeth, vethNames } from './veth.js';

export { parseNetworkMode, namespacePlan, DEFAULT_NETWORK, type NetworkMode, type NamespacePlan } from './modes.js';
export { hostsFilePath } from './names.js';
export type { NetworkRecord, Lease, PortMapping } from './ipam.js';
export type { CommandOptions } from './command.js';

export const DEFAULT_BRIDGE = 'byhand0';

export interface NetworkOptions extends CommandOptions {
  stateDir: string;
  /** Force a NAT backend; by default nft, or iptables where nft is missing. */
  nat?: 'nft' | 'iptables';
}

export interface Connection {
  address: string;
  gateway: string;
  network: string;
  /** Bind-mount this read-only at the container's /etc/hosts to reach members by name. */
  hostsFile: string;
  teardown(): Promise<void>;
}

/** "-p 18080:80", "8053:53/udp" */
export function parsePublish(spec: string): PortMapping {
  const m = /^(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(spec);
  const valid = (n: number) => n > 0 && n < 65536;
  if (!m || !valid(Number(m[1])) || !valid(Number(m[2]))) throw new Error(`-p ${spec}: expected HOST:CONTAINER[/tcp|udp] with ports 1-65535, e.g. -p 18080:80`);
  return { hostPort: Number(m[1]), containerPort: Number(m[2]), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' };
}

async function hostRoutes(opts: CommandOptions): Promise<string[]> {
  const routes = JSON.parse(await run(['ip', '-j', '-4', 'route', 'show'], opts)) as { dst: string; dev?: string }[];
  return routes.filter((r) => r.dst !== 'default').map((r) => r.dst);
}

function bridgeFor(name: string): string {
  return name === DEFAULT_NETWORK ? DEFAULT_BRIDGE : `byhand-${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

async function addNetwork(store: NetworkStore, name: string, subnet: string | undefined, opts: NetworkOptions): Promise<NetworkRecord> {
  if (store.networks[name]) throw new Error(`network ${name} exists already: pick another name, or \`byhand network rm ${name}\``);
  if (['none', 'host'].includes(name) || name.startsWith('container:')) throw new Error(`"${name}" is a network mode, not a name you can give a network`);
  const ours = Object.values(store.networks);
  // Our own bridges' routes are in the host's table too: they clash only with other networks.
  const routes = (await hostRoutes(opts)).filter((r) => !ours.some((n) => n.subnet === r));
  const taken = ours.map((n) => n.subnet);
  if (subnet) {
    const c = parseCidr(subnet);
    const clash = [...routes, ...taken].find((r) => overlaps(parseCidr(r), c));
    if (clash) throw new Error(`subnet ${subnet} overlaps ${clash}, which the host or another network uses: pick another --subnet`);
    subnet = formatCidr(c);
  }
  const chosen = subnet ?? pickSubnet(routes, taken);
  const record: NetworkRecord = { name, bridge: bridgeFor(name), subnet: chosen, gateway: gatewayOf(chosen), next: 2, leases: {} };
  store.networks[name] = record;
  writeHosts(opts.stateDir, record);
  return record;
}

/** Records a network (the bridge itself is made when its first container joins). */
export function createNetwork(name: string, options: { subnet?: string }, opts: NetworkOptions): Promise<NetworkRecord> {
  return withStore(opts.stateDir, (store) => addNetwork(store, name, options.subnet, opts));
}

export function listNetworks(opts: NetworkOptions): Promise<NetworkRecord[]> {
  return withStore(opts.stateDir, async (store) => Object.values(store.networks));
}

export function removeNetwork(name: string, opts: NetworkOptions): Promise<void> {
  return withStore(opts.stateDir, async (store) => {
    const net = store.networks[name];
    if (!net) throw new Error(`there is no network ${name}: \`byhand network ls\` lists them`);
    const members = Object.values(net.leases).map((l) => l.name);
    if (members.length) throw new Error(`network ${name} still has containers (${members.join(', ')}): remove them first`);
    await takeDownNetwork(net, natBackend(opts, opts.nat), opts);
    delete store.networks[name];
    removeHosts(opts.stateDir, name);
  });
}

async function takeDownNetwork(net: NetworkRecord, nat: NatBackend, opts: NetworkOptions): Promise<void> {
  await nat.removeOwner(netOwner(net.bridge));
  await removeBridge(net.bridge, opts);
  await nat.removeIfEmpty();
}

function checkPortsFree(store: NetworkStore, ports: PortMapping[]): void {
  for (const lease of Object.values(store.networks).flatMap((n) => Object.values(n.leases))) {
    for (const p of ports) {
      if (lease.ports.some((o) => o.hostPort === p.hostPort && o.protocol === p.protocol)) {
        throw new Error(`host port ${p.hostPort}/${p.protocol} is already published by container ${lease.name}: pick another -p`);
      }
    }
  }
}

async function unplug(net: NetworkRecord, lease: Lease, nat: NatBackend, opts: NetworkOptions): Promise<void> {
  await nat.removeOwner(containerOwner(lease.containerId));
  await removeVeth(lease.containerId, opts);
  release(net, lease.containerId);
  writeHosts(opts.stateDir, net);
  if (Object.keys(net.leases).length === 0) await takeDownNetwork(net, nat, opts);
}

/** Plugs a running container (its pid 1 made a new network namespace) into a network. */
export function connect(container: { id: string; name: string; pid: number }, network: string = DEFAULT_NETWORK,
  options: { ip?: string; ports?: PortMapping[] }, opts: NetworkOptions): Promise<Connection> {
  const ports = options.ports ?? [];
  return withStore(opts.stateDir, async (store) => {
    const net = store.networks[network] ?? (network === DEFAULT_NETWORK ? await addNetwork(store, network, undefined, opts) : null);
    if (!net) throw new Error(`there is no network ${network}: make it with \`byhand network create ${network}\``);
    if (Object.values(store.networks).some((n) => Object.values(n.leases).some((l) => l.containerId === container.id))) {
      throw new Error(`container ${container.name} is connected already`);
    }
    checkPortsFree(store, ports);
    const ref = processRef(container.pid);
    if (!ref) throw new Error(`container ${container.name}'s process ${container.pid} is not running: start it before connecting it`);
    const address = allocate(net, { containerId: container.id, name: container.name, pid: ref, ports }, options.ip);
    const nat = natBackend(opts, opts.nat);
    try {
      await plugIn(net, container, address, ports, nat, opts);
    } catch (err) {
      // Undo what was done; the error worth reporting is the first one, not the clean-up's.
      await unplug(net, net.leases[address]!, nat, opts).catch(() => release(net, container.id));
      throw err;
    }
    return {
      address,
      gateway: net.gateway,
      network: net.name,
      hostsFile: hostsFilePath(opts.stateDir, net.name),
      teardown: () => disconnect(container.id, opts),
    };
  });
}

async function plugIn(net: NetworkRecord, container: { id: string; pid: number }, address: string, ports: PortMapping[], nat: NatBackend, opts: NetworkOptions): Promise<void> {
  const prefix = parseCidr(net.subnet).prefix;
  await ensureBridge(net.bridge, net.gateway, prefix, opts);
  await enableForwarding(opts);
  await nat.addNetwork(net.bridge, net.subnet);
  await connectVeth({ containerId: container.id, pid: container.pid, bridge: net.bridge, address, prefix, gateway: net.gateway }, opts);
  if (ports.length) {
    await allowLocalhostTo(net.bridge, opts);
    await nat.publish({ containerId: container.id, bridge: net.bridge, address, ports });
  }
  writeHosts(opts.stateDir, net);
}

/** Undoes connect(): rules, veth, lease, and the bridge when it was the last member. */
export function disconnect(containerId: string, opts: NetworkOptions): Promise<void> {
  return withStore(opts.stateDir, async (store) => {
    const nat = natBackend(opts, opts.nat);
    for (const net of Object.values(store.networks)) {
      const lease = Object.values(net.leases).find((l) => l.containerId === containerId);
      if (lease) await unplug(net, lease, nat, opts);
    }
  });
}

export interface GcReport {
  leases: string[];
  links: string[];
  ruleOwners: string[];
}

const OUR_BRIDGE = /^byhand(0|-[0-9a-f]{6})$/;

/** Removes whatever a crash left: leases of dead containers, their veths and rules, idle bridges. */
export function gc(opts: NetworkOptions): Promise<GcReport> {
  return withStore(opts.stateDir, async (store) => {
    const nat = natBackend(opts, opts.nat);
    const report: GcReport = { leases: [], links: [], ruleOwners: [] };
    for (const net of Object.values(store.networks)) {
      for (const lease of Object.values(net.leases)) {
        if (isAlive(lease.pid)) continue;
        report.leases.push(`${net.name}:${lease.ip}`);
        await unplug(net, lease, nat, opts);
      }
    }
    const live = Object.values(store.networks).filter((n) => Object.keys(n.leases).length > 0);
    const keepLinks = new Set(live.flatMap((n) => [n.bridge, ...Object.values(n.leases).flatMap((l) => Object.values(vethNames(l.containerId)))]));
    for (const link of await listLinks(opts)) {
      const ours = link.ifname.startsWith(HOST_PREFIX) || link.ifname.startsWith(PEER_PREFIX) || OUR_BRIDGE.test(link.ifname);
      if (ours && !keepLinks.has(link.ifname) && (await tryRun(['ip', 'link', 'del', link.ifname], opts))) report.links.push(link.ifname);
    }
    const keepOwners = new Set(live.flatMap((n) => [netOwner(n.bridge), ...Object.values(n.leases).map((l) => containerOwner(l.containerId))]));
    for (const owner of await nat.owners()) {
      if (keepOwners.has(owner)) continue;
      await nat.removeOwner(owner);
      report.ruleOwners.push(owner);
    }
    await nat.removeIfEmpty();
    return report;
  });
}
