/**
 * NAT: containers reach out through the host's address (masquerade), and a published port
 * (-p 18080:80) sends what arrives at the host on 18080 to the container's port 80 (DNAT).
 * All rules live in a table of our own, `ip byhand`, each tagged with a comment naming its owner
 * ("byhand-net:<state tag>:<bridge>" or "byhand:<state tag>:<container id>"), so teardown and gc find exactly ours.
 *
 * Ports published on localhost: the output hook DNATs 127.0.0.1:18080 to the container, but a
 * packet from 127.0.0.1 may only leave through a non-loopback device where that device has
 * route_localnet=1, and the container must answer someone other than itself, so such packets are
 * also masqueraded. We chose this over a userspace proxy: no extra process to keep alive or
 * clean up after a crash, the path stays in the kernel where the lesson can show it, and the
 * rules go with the container. route_localnet is set on our bridge only, and a guard rule drops
 * anything arriving from the bridge for 127.0.0.0/8, so containers cannot reach the host's
 * localhost services through it (the flaw known as CVE-2020-8558).
 *
 * Where nft is missing, the same rules are made with iptables (iptables-nft).
 */
import { existsSync } from 'node:fs';
import type { PortMapping } from './ipam.js';
import { run, tryRun, type CommandOptions } from './command.js';

export interface Publication {
  containerId: string;
  bridge: string;
  address: string;
  ports: PortMapping[];
}

export interface NatBackend {
  /** Masquerade for the network's subnet and the localhost guard for its bridge. */
  addNetwork(bridge: string, subnet: string): Promise<void>;
  publish(p: Publication): Promise<void>;
  /** Deletes every rule tagged with this owner ("byhand-net:<tag>:<bridge>" or "byhand:<tag>:<id>"). */
  removeOwner(owner: string): Promise<void>;
  /** Owners that still have rules. */
  owners(): Promise<string[]>;
  /** Drops the table once no rule is left in it. */
  removeIfEmpty(): Promise<void>;
}

/** Owners carry the state directory's tag: several state dirs (tests, nested set-ups) can share
 * one netns, and each one's gc must only ever remove its own rules. */
export const netOwner = (tag: string, bridge: string) => `byhand-net:${tag}:${bridge}`;
export const containerOwner = (tag: string, id: string) => `byhand:${tag}:${id}`;
export const isOwnedBy = (tag: string, owner: string) => owner.startsWith(`byhand:${tag}:`) || owner.startsWith(`byhand-net:${tag}:`);

const q = (s: string) => `"${s}"`;

const CHAINS: [string, string][] = [
  ['prerouting', 'type nat hook prerouting priority dstnat;'],
  ['output', 'type nat hook output priority -100;'],
  ['postrouting', 'type nat hook postrouting priority srcnat;'],
  ['guard', 'type filter hook prerouting priority raw;'],
];

interface NftRule {
  chain: string;
  handle: number;
  comment?: string;
}

class Nft implements NatBackend {
  constructor(private readonly opts: CommandOptions, private readonly tag: string) {}

  private async ensureTable(): Promise<void> {
    await run(['nft', 'add', 'table', 'ip', 'byhand'], this.opts);
    for (const [chain, spec] of CHAINS) await run(['nft', 'add', 'chain', 'ip', 'byhand', chain, `{ ${spec} }`], this.opts);
  }

  private async rules(): Promise<NftRule[] | null> {
    const tables = JSON.parse(await run(['nft', '-j', 'list', 'tables'], this.opts)) as { nftables: { table?: { family: string; name: string } }[] };
    if (!tables.nftables.some((e) => e.table?.family === 'ip' && e.table.name === 'byhand')) return null;
    const json = JSON.parse(await run(['nft', '-j', 'list', 'table', 'ip', 'byhand'], this.opts)) as { nftables: { rule?: NftRule }[] };
    return json.nftables.flatMap((e) => (e.rule ? [e.rule] : []));
  }

  private add(chain: string, rule: string[], owner: string): Promise<string> {
    return run(['nft', 'add', 'rule', 'ip', 'byhand', chain, ...rule, 'comment', q(owner)], this.opts);
  }

  async addNetwork(bridge: string, subnet: string): Promise<void> {
    await this.ensureTable();
    const owner = netOwner(this.tag, bridge);
    if ((await this.rules())?.some((r) => r.comment === owner)) return;
    await this.add('postrouting', ['ip', 'saddr', subnet, 'oifname', '!=', q(bridge), 'masquerade'], owner);
    await this.add('guard', ['iifname', q(bridge), 'ip', 'daddr', '127.0.0.0/8', 'drop'], owner);
  }

  /** After addNetwork(), which made the table. */
  async publish(p: Publication): Promise<void> {
    const owner = containerOwner(this.tag, p.containerId);
    for (const port of p.ports) {
      const dnat = ['fib', 'daddr', 'type', 'local', port.protocol, 'dport', String(port.hostPort), 'dnat', 'to', `${p.address}:${port.containerPort}`];
      await this.add('prerouting', dnat, owner);
      await this.add('output', dnat, owner);
      await this.add('postrouting', ['ip', 'saddr', '127.0.0.0/8', 'ip', 'daddr', p.address, port.protocol, 'dport', String(port.containerPort), 'masquerade'], owner);
    }
  }

  async removeOwner(owner: string): Promise<void> {
    for (const r of (await this.rules()) ?? []) {
      if (r.comment === owner) await tryRun(['nft', 'delete', 'rule', 'ip', 'byhand', r.chain, 'handle', String(r.handle)], this.opts);
    }
  }

  async owners(): Promise<string[]> {
    return [...new Set(((await this.rules()) ?? []).flatMap((r) => (r.comment ? [r.comment] : [])))];
  }

  async removeIfEmpty(): Promise<void> {
    const rules = await this.rules();
    if (rules && rules.length === 0) await run(['nft', 'delete', 'table', 'ip', 'byhand'], this.opts);
  }
}

/** The same rules with iptables: our own chains, jumped to from the built-in ones. */
class Iptables implements NatBackend {
  constructor(private readonly opts: CommandOptions, private readonly tag: string) {}

  private static readonly JUMPS: [string, string, string][] = [
    ['nat', 'PREROUTING', 'BYHAND-PREROUTING'],
    ['nat', 'OUTPUT', 'BYHAND-OUTPUT'],
    ['nat', 'POSTROUTING', 'BYHAND-POSTROUTING'],
    ['raw', 'PREROUTING', 'BYHAND-GUARD'],
  ];

  private async ensureChains(): Promise<void> {
    for (const [table, from, chain] of Iptables.JUMPS) {
      await tryRun(['iptables', '-t', table, '-N', chain], this.opts);
      const jump = ['-t', table, from, '-j', chain];
      if (!(await tryRun(['iptables', jump[0]!, jump[1]!, '-C', ...jump.slice(2)], this.opts))) await run(['iptables', jump[0]!, jump[1]!, '-A', ...jump.slice(2)], this.opts);
    }
  }

  private add(table: string, chain: string, rule: string[], owner: string): Promise<string> {
    return run(['iptables', '-t', table, '-A', chain, ...rule, '-m', 'comment', '--comment', owner], this.opts);
  }

  private async rules(): Promise<{ table: string; spec: string[]; owner: string }[]> {
    const found = [];
    for (const [table, , chain] of Iptables.JUMPS) {
      let out = '';
      try {
        out = await run(['iptables', '-t', table, '-S', chain], this.opts);
      } catch {
        continue; // chain not made yet
      }
      for (const line of out.split('\n')) {
        const m = /^-A (\S+) (.*)--comment "?([^" ]+)"?(.*)$/.exec(line);
        if (m) found.push({ table, spec: line.slice(3).split(' ').map((a) => a.replace(/^"|"$/g, '')), owner: m[3]! });
      }
    }
    return found;
  }

  async addNetwork(bridge: string, subnet: string): Promise<void> {
    await this.ensureChains();
    const owner = netOwner(this.tag, bridge);
    if ((await this.rules()).some((r) => r.owner === owner)) return;
    await this.add('nat', 'BYHAND-POSTROUTING', ['-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'], owner);
    await this.add('raw', 'BYHAND-GUARD', ['-i', bridge, '-d', '127.0.0.0/8', '-j', 'DROP'], owner);
  }

  /** After addNetwork(), which made the chains. */
  async publish(p: Publication): Promise<void> {
    const owner = containerOwner(this.tag, p.containerId);
    for (const port of p.ports) {
      const dnat = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-p', port.protocol, '--dport', String(port.hostPort), '-j', 'DNAT', '--to-destination', `${p.address}:${port.containerPort}`];
      await this.add('nat', 'BYHAND-PREROUTING', dnat, owner);
      await this.add('nat', 'BYHAND-OUTPUT', dnat, owner);
      await this.add('nat', 'BYHAND-POSTROUTING', ['-s', '127.0.0.0/8', '-d', p.address, '-p', port.protocol, '--dport', String(port.containerPort), '-j', 'MASQUERADE'], owner);
    }
  }

  async removeOwner(owner: string): Promise<void> {
    for (const r of await this.rules()) {
      if (r.owner === owner) await tryRun(['iptables', '-t', r.table, '-D', ...r.spec], this.opts);
    }
  }

  async owners(): Promise<string[]> {
    return [...new Set((await this.rules()).map((r) => r.owner))];
  }

  async removeIfEmpty(): Promise<void> {
    if ((await this.rules()).length > 0) return;
    for (const [table, from, chain] of Iptables.JUMPS) {
      await tryRun(['iptables', '-t', table, '-D', from, '-j', chain], this.opts);
      await tryRun(['iptables', '-t', table, '-X', chain], this.opts);
    }
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => existsSync(`${dir}/${command}`));
}

/** nft where it is installed, else iptables; says what to install when neither is. */
export function natBackend(opts: CommandOptions, tag: string, prefer?: 'nft' | 'iptables'): NatBackend {
  const kind = prefer ?? (onPath('nft') ? 'nft' : onPath('iptables') ? 'iptables' : null);
  if (!kind) throw new Error('container networking needs nft or iptables, and neither is on PATH: apt-get install nftables');
  return kind === 'nft' ? new Nft(opts, tag) : new Iptables(opts, tag);
}

/** Containers' traffic is routed through the host: forwarding must be on (in this netns). */
export async function enableForwarding(opts: CommandOptions): Promise<void> {
  await run(['sysctl', '-w', 'net.ipv4.ip_forward=1'], opts);
}

/** Lets DNATed packets from 127.0.0.1 leave through the bridge (see the top of this file). */
export async function allowLocalhostTo(bridge: string, opts: CommandOptions): Promise<void> {
  await run(['sysctl', '-w', `net.ipv4.conf.${bridge}.route_localnet=1`], opts);
}
