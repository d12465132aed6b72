/**
 * Container networking: networks (a bridge and a subnet each), connecting a container to one
 * (veth, address, route, NAT, published ports, names) and taking all of it down again.
 * Every command run is reported through opts.onTrace.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { processRef, isAlive } from '../proc.js';
import { bridgeNameFree, ensureBridge, listLinks, removeBridge } from './bridge.js';
import { run, tryRun, type CommandOptions } from './command.js';
import { allocate, formatCidr, gatewayOf, overlaps, parseCidr, pickSubnet, readStore, release, withStore, writeStore, type Lease, type NetworkRecord, type NetworkStore, type PortMapping } from './ipam.js';
import { heldPorts } from './listening.js';
import { DEFAULT_NETWORK } from './modes.js';
import { allowLocalhostTo, containerOwner, enableForwarding, isOwnedBy, natBackend, netOwner, type NatBackend } from './nat.js';
import { hostsFilePath, removeHosts, writeHosts } from './names.js';
import { connectVeth, HOST_PREFIX, PEER_PREFIX, removeVeth, vethNames } from './veth.js';

export { parseNetworkMode, namespacePlan, DEFAULT_NETWORK, type NetworkMode, type NamespacePlan } from './modes.js';
export { hostsFilePath } from './names.js';
export type { NetworkRecord, Lease, PortMapping } from './ipam.js';
export { run, tryRun, type CommandOptions } from './command.js';
/** The sandbox agent claims a port on its bridge by name before the veth exists (anti-spoofing). */
export { vethNames } from './veth.js';

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
  /** As published: -P's host ports filled in. */
  ports: PortMapping[];
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

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Tells this state directory's bridges and rules from those of others in the same netns. */
export function stateTag(stateDir: string): string {
  return sha(resolve(stateDir)).slice(0, 8);
}

function bridgeFor(name: string, stateDir: string): string {
  return name === DEFAULT_NETWORK ? DEFAULT_BRIDGE : `byhand-${sha(`${stateTag(stateDir)}:${name}`).slice(0, 6)}`;
}

/**
 * The default network's bridge is byhand0, unless another state directory has that one in this
 * netns: then byhand1, byhand2... Chosen whenever the bridge is (re)made, i.e. with no members.
 */
async function pickDefaultBridge(store: NetworkStore, net: NetworkRecord, opts: NetworkOptions): Promise<string> {
  const others = new Set(Object.values(store.networks).filter((n) => n !== net).map((n) => n.bridge));
  for (let i = 0; i < 10; i++) {
    const name = `byhand${i}`;
    if (!others.has(name) && (await bridgeNameFree(name, stateTag(opts.stateDir), opts))) return name;
  }
  throw new Error('byhand0 to byhand9 are all taken by other state directories in this network namespace: remove some (byhand gc there)');
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
  const record: NetworkRecord = { name, bridge: bridgeFor(name, opts.stateDir), subnet: chosen, gateway: gatewayOf(chosen), next: 2, leases: {} };
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
    await takeDownNetwork(net, backend(opts), opts);
    delete store.networks[name];
    removeHosts(opts.stateDir, name);
  });
}

function backend(opts: NetworkOptions): NatBackend {
  return natBackend(opts, stateTag(opts.stateDir), opts.nat);
}

async function takeDownNetwork(net: NetworkRecord, nat: NatBackend, opts: NetworkOptions): Promise<void> {
  await nat.removeOwner(netOwner(stateTag(opts.stateDir), net.bridge));
  await removeBridge(net.bridge, stateTag(opts.stateDir), opts);
  await nat.removeIfEmpty();
}

const allLeases = (store: NetworkStore) => Object.values(store.networks).flatMap((n) => Object.values(n.leases));

/** Where Docker starts too for -P: the Linux ephemeral range's start. */
const FIRST_AUTO_PORT = 49153;

/** -P asks for host port 0: each gets the first port from 49153 that no container publishes and no host process holds. */
function assignHostPorts(store: NetworkStore, ports: PortMapping[]): PortMapping[] {
  const used = new Set([...allLeases(store).flatMap((l) => l.ports.map((p) => `${p.hostPort}/${p.protocol}`)), ...heldPorts()]);
  for (const p of ports) if (p.hostPort !== 0) used.add(`${p.hostPort}/${p.protocol}`);
  return ports.map((p) => {
    if (p.hostPort !== 0) return p;
    let port = FIRST_AUTO_PORT;
    while (used.has(`${port}/${p.protocol}`)) port++;
    if (port > 65535) throw new Error('no free host port left for -P: remove containers that publish ports');
    used.add(`${port}/${p.protocol}`);
    return { ...p, hostPort: port };
  });
}

function checkPortsFree(store: NetworkStore, ports: PortMapping[]): void {
  const held = heldPorts();
  for (const p of ports) {
    if (held.has(`${p.hostPort}/${p.protocol}`)) {
      throw new Error(`host port ${p.hostPort}/${p.protocol} is in use: a process on this host ${p.protocol === 'tcp' ? 'listens' : 'is bound'} there (see ss -lntup); pick another -p`);
    }
  }
  for (const lease of allLeases(store)) {
    for (const p of ports) {
      if (lease.ports.some((o) => o.hostPort === p.hostPort && o.protocol === p.protocol)) {
        throw new Error(`host port ${p.hostPort}/${p.protocol} is already published by container ${lease.name}: pick another -p`);
      }
    }
  }
}

async function unplug(net: NetworkRecord, lease: Lease, nat: NatBackend, opts: NetworkOptions): Promise<void> {
  await nat.removeOwner(containerOwner(stateTag(opts.stateDir), lease.containerId));
  await removeVeth(lease.containerId, opts);
  release(net, lease.containerId);
  writeHosts(opts.stateDir, net);
  if (Object.keys(net.leases).length === 0) await takeDownNetwork(net, nat, opts);
}

/** Plugs a running container (its pid 1 made a new network namespace) into a network. */
export function connect(container: { id: string; name: string; pid: number }, network: string = DEFAULT_NETWORK,
  options: { ip?: string; ports?: PortMapping[]; isolated?: boolean }, opts: NetworkOptions): Promise<Connection> {
  return withStore(opts.stateDir, async (store) => {
    const net = store.networks[network] ?? (network === DEFAULT_NETWORK ? await addNetwork(store, network, undefined, opts) : null);
    if (!net) throw new Error(`there is no network ${network}: make it with \`byhand network create ${network}\``);
    if (Object.values(store.networks).some((n) => Object.values(n.leases).some((l) => l.containerId === container.id))) {
      throw new Error(`container ${container.name} is connected already`);
    }
    const ports = assignHostPorts(store, options.ports ?? []);
    checkPortsFree(store, ports);
    const ref = processRef(container.pid);
    if (!ref) throw new Error(`container ${container.name}'s process ${container.pid} is not running: start it before connecting it`);
    if (network === DEFAULT_NETWORK && Object.keys(net.leases).length === 0) net.bridge = await pickDefaultBridge(store, net, opts);
    const address = allocate(net, { containerId: container.id, name: container.name, pid: ref, ports }, options.ip);
    const nat = backend(opts);
    // On disk before anything is made: should this process be killed half-way, gc finds the lease.
    writeStore(opts.stateDir, store);
    try {
      await plugIn(net, container, address, ports, nat, opts, options.isolated ?? false);
    } catch (err) {
      // Undo what was done; the error worth reporting is the first one, not the clean-up's.
      await unplug(net, net.leases[address]!, nat, opts).catch(() => release(net, container.id));
      throw err;
    }
    return {
      address,
      gateway: net.gateway,
      network: net.name,
      ports,
      hostsFile: hostsFilePath(opts.stateDir, net.name),
      teardown: () => disconnect(container.id, opts),
    };
  });
}

async function plugIn(net: NetworkRecord, container: { id: string; pid: number }, address: string, ports: PortMapping[], nat: NatBackend,
  opts: NetworkOptions, isolated: boolean): Promise<void> {
  const prefix = parseCidr(net.subnet).prefix;
  await ensureBridge(net.bridge, stateTag(opts.stateDir), net.gateway, prefix, opts);
  await enableForwarding(opts);
  await nat.addNetwork(net.bridge, net.subnet);
  await connectVeth({ containerId: container.id, pid: container.pid, bridge: net.bridge, address, prefix, gateway: net.gateway, isolated }, opts);
  if (ports.length) {
    await allowLocalhostTo(net.bridge, opts);
    await nat.publish({ containerId: container.id, bridge: net.bridge, address, ports });
  }
  writeHosts(opts.stateDir, net);
}

/** Undoes connect(): rules, veth, lease, and the bridge when it was the last member. */
export async function disconnect(containerId: string, opts: NetworkOptions): Promise<void> {
  if (attachmentOf(opts.stateDir, containerId) === null) return; // never plugged in: nothing to lock
  return withStore(opts.stateDir, async (store) => {
    for (const net of Object.values(store.networks)) {
      const lease = Object.values(net.leases).find((l) => l.containerId === containerId);
      if (lease) await unplug(net, lease, backend(opts), opts);
    }
  });
}

export interface GcReport {
  leases: string[];
  links: string[];
  ruleOwners: string[];
}

/** Removes whatever a crash left: leases of dead containers, their veths and rules, idle bridges. */
export function gc(opts: NetworkOptions): Promise<GcReport> {
  return withStore(opts.stateDir, async (store) => {
    const report: GcReport = { leases: [], links: [], ruleOwners: [] };
    // A state dir that never had a network has nothing to collect (and may lack nft and ip).
    if (Object.keys(store.networks).length === 0) return report;
    const nat = backend(opts);
    for (const net of Object.values(store.networks)) {
      for (const lease of Object.values(net.leases)) {
        if (isAlive(lease.pid)) continue;
        report.leases.push(`${net.name}:${lease.ip}`);
        await unplug(net, lease, nat, opts);
      }
    }
    const tag = stateTag(opts.stateDir);
    for (const net of Object.values(store.networks)) {
      if (Object.keys(net.leases).length === 0) await takeDownNetwork(net, nat, opts);
    }
    const live = Object.values(store.networks).filter((n) => Object.keys(n.leases).length > 0);
    const ourBridges = new Set(Object.values(store.networks).map((n) => n.bridge));
    const keepLinks = new Set(live.flatMap((n) => Object.values(n.leases).flatMap((l) => Object.values(vethNames(l.containerId)))));
    for (const link of await listLinks(opts)) {
      // A veth whose connect died half-way: unplugged, or still on one of our bridges.
      const veth = link.ifname.startsWith(HOST_PREFIX) || link.ifname.startsWith(PEER_PREFIX);
      const orphan = veth && !keepLinks.has(link.ifname) && (!link.master || ourBridges.has(link.master));
      if (orphan && (await tryRun(['ip', 'link', 'del', link.ifname], opts))) report.links.push(link.ifname);
    }
    const keepOwners = new Set(live.flatMap((n) => [netOwner(tag, n.bridge), ...Object.values(n.leases).map((l) => containerOwner(tag, l.containerId))]));
    for (const owner of await nat.owners()) {
      if (keepOwners.has(owner) || !isOwnedBy(tag, owner)) continue;
      await nat.removeOwner(owner);
      report.ruleOwners.push(owner);
    }
    await nat.removeIfEmpty();
    return report;
  });
}

/**
 * Before a container joins `network`: checks that it exists (the default one is recorded on
 * first use) and returns its hosts file, which must exist before the container's mounts are made.
 */
export function prepareNetwork(network: string, opts: NetworkOptions): Promise<string> {
  return withStore(opts.stateDir, async (store) => {
    const net = store.networks[network] ?? (network === DEFAULT_NETWORK ? await addNetwork(store, network, undefined, opts) : null);
    if (!net) throw new Error(`there is no network ${network}: make it with \`byhand network create ${network} --subnet CIDR\`, or see \`byhand network ls\``);
    return writeHosts(opts.stateDir, net);
  });
}

export interface Attachment {
  network: string;
  bridge: string;
  address: string;
  prefix: number;
  gateway: string;
  ports: PortMapping[];
}

/** Where a container is plugged in (for inspect), read without taking the lock. */
export function attachmentOf(stateDir: string, containerId: string): Attachment | null {
  for (const net of Object.values(readStore(stateDir).networks)) {
    const lease = Object.values(net.leases).find((l) => l.containerId === containerId);
    if (lease) {
      return { network: net.name, bridge: net.bridge, address: lease.ip, prefix: parseCidr(net.subnet).prefix, gateway: net.gateway, ports: lease.ports };
    }
  }
  return null;
}
