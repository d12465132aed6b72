/**
 * Egress (BYHAND_EGRESS=on): each learner sandbox gets an eth0 on a bridge of the agent's own,
 * a default route, NAT out through the host, and the host's nameservers in its /etc/resolv.conf.
 * The plumbing is the runtime's own network code (a network named "egress" in
 * <state>/egress, so its leases, bridge and NAT rules are the agent's alone), with bridge port
 * isolation; egress-firewall.ts keeps sandboxes away from the host, the LAN, metadata and each
 * other, and egress-spoofing.ts keeps each to its own MAC and address. Off (the default)
 * changes nothing: the sandbox's network namespace has loopback only.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { network } from '@byhand/runtime';
import { runCheck } from './checks.js';
import { applyFirewall, firewallTable, removeFirewall } from './egress-firewall.js';
import { claimPort, macFor, pinPort, releasePort, restorePins, type PortPin } from './egress-spoofing.js';
import type { Logger } from './log.js';
import { hostNameservers, resolvConfText } from './resolver.js';

export const EGRESS_NETWORK = 'egress';

export interface EgressSettings {
  enabled: boolean;
  /** BYHAND_EGRESS_DNS; null: the host's nameservers (see resolver.ts). */
  nameservers: string[] | null;
}

/** What egress needs of a session: who it is, and its pid 1 once it is up. */
export interface EgressSession {
  id: string;
  hostname: string;
  cgroupProcs: string[];
  initPid(): Promise<number | null>;
}

/** Replaces whatever the image has (it may be a symlink into /run), as the sandbox's own root. */
function resolvConfScript(nameservers: string[]): string {
  return `rm -f /etc/resolv.conf && cat > /etc/resolv.conf <<'EOF'\n${resolvConfText(nameservers)}EOF\n`;
}

export class Egress {
  /** The runtime state directory of the egress network. */
  readonly dir: string;
  private nameservers: string[] = [];
  /** Each session's plugging-in, so ending it waits for that before unplugging. */
  private readonly plugging = new Map<string, Promise<void>>();
  /** Each session's anti-spoofing elements, to remove when it is unplugged. */
  private readonly ports = new Map<string, { port: string; pin: PortPin | null }>();

  constructor(stateDir: string, private readonly settings: EgressSettings, private readonly log: Logger) {
    this.dir = join(stateDir, 'egress');
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  private get opts(): network.NetworkOptions {
    return { stateDir: this.dir };
  }

  /**
   * At agent start, before any session: removes what a killed agent left (the runtime's gc:
   * leases of dead sandboxes, their veths and rules), then with egress on makes the network
   * record and loads the firewall; with it off, removes the network and the firewall.
   */
  async start(): Promise<void> {
    if (!this.enabled) return this.removeAll();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await this.collect();
    this.nameservers = this.settings.nameservers ?? hostNameservers();
    const net = (await network.listNetworks(this.opts)).find((n) => n.name === EGRESS_NETWORK)
      ?? (await network.createNetwork(EGRESS_NETWORK, {}, this.opts));
    await applyFirewall(this.dir, { bridge: net.bridge, subnet: net.subnet, nameservers: this.nameservers }, this.opts);
    // Reloading the firewall emptied the anti-spoofing sets: a sandbox a previous agent left
    // running (gc keeps live ones) gets its port checked again, with the MAC the agent gave it.
    const pins = Object.values(net.leases).map((l) => ({ port: network.vethNames(l.containerId).host, mac: macFor(l.ip), ip: l.ip }));
    if (pins.length) await restorePins(firewallTable(this.dir), pins, this.opts);
    this.log('egress on', { bridge: net.bridge, subnet: net.subnet, nameservers: this.nameservers.join(',') });
  }

  /** After every session ended: nothing of egress stays behind while no agent runs. */
  async stop(): Promise<void> {
    if (this.enabled) await this.removeAll();
  }

  /**
   * Plugs the session in as soon as its pid 1 is up. The shell is running by then, so a learner
   * who types in the very first moment may find no network yet; a second later it is there,
   * without restarting the shell. Failures are logged: the sandbox still works, offline.
   */
  plug(session: EgressSession): void {
    if (!this.enabled) return;
    const done = this.connect(session).catch((err: unknown) => {
      this.log('egress failed', { id: session.id, error: (err as Error).message });
    });
    this.plugging.set(session.id, done);
  }

  /** Unplugs an ended session: its veth, lease and NAT rules (and the bridge after the last). */
  async unplug(id: string): Promise<void> {
    const pending = this.plugging.get(id);
    if (!pending) return;
    await pending;
    this.plugging.delete(id);
    await network.disconnect(id, this.opts).catch((err: unknown) => {
      this.log('egress unplug failed', { id, error: (err as Error).message });
    });
    const claimed = this.ports.get(id);
    if (!claimed) return;
    this.ports.delete(id);
    await releasePort(firewallTable(this.dir), claimed.port, claimed.pin, this.opts).catch((err: unknown) => {
      this.log('egress: anti-spoofing elements not removed', { id, error: (err as Error).message });
    });
  }

  private async connect(session: EgressSession): Promise<void> {
    const pid = await session.initPid();
    if (pid === null) return; // never came up, or already ended
    const name = session.hostname;
    const table = firewallTable(this.dir);
    const claimed = { port: network.vethNames(session.id).host, pin: null as PortPin | null };
    await claimPort(table, claimed.port, this.opts);
    this.ports.set(session.id, claimed);
    const c = await network.connect({ id: session.id, name, pid }, EGRESS_NETWORK, { isolated: true }, this.opts);
    const pin = { port: claimed.port, mac: macFor(c.address), ip: c.address };
    await pinPort(table, pid, pin, this.opts);
    claimed.pin = pin;
    // Written from inside, as the sandbox's root: it owns the file (the learner may edit it),
    // and no symlink a learner made can turn the agent's write against a host file.
    const written = await runCheck(pid, session.cgroupProcs, resolvConfScript(this.nameservers));
    if (!written.ok) this.log('egress: resolv.conf not written', { id: session.id, error: written.message });
    this.log('egress plugged in', { id: session.id, address: c.address });
  }

  private async collect(): Promise<void> {
    const report = await network.gc(this.opts);
    const found = [...report.leases, ...report.links, ...report.ruleOwners];
    if (found.length) this.log('removed leftover egress plumbing', { items: found.join(',') });
  }

  /**
   * Removes the network and the firewall (anti-spoofing elements included), unless a sandbox
   * is still plugged in (a previous agent's, still alive): its firewall must not go while it
   * has a route out.
   */
  private async removeAll(): Promise<void> {
    if (!existsSync(join(this.dir, 'networks', 'networks.json'))) return; // egress was never on here
    await this.collect();
    const nets = await network.listNetworks(this.opts);
    if (nets.some((n) => Object.keys(n.leases).length > 0)) {
      this.log('egress kept: sandboxes are still plugged in', { networks: nets.map((n) => n.name).join(',') });
      return;
    }
    for (const n of nets) await network.removeNetwork(n.name, this.opts);
    await removeFirewall(this.dir, this.opts);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
