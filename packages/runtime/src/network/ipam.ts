/**
 * IP address management: which subnet each network has and which address each container got.
 *
 * Kept in one JSON file, <state>/networks/networks.json, so it survives restarts; every change
 * happens under a lock file made with O_EXCL (the holder's pid and start time inside, so a crashed
 * holder's lock is taken over). Addresses are handed out round-robin from a cursor, so an address
 * freed by one container is not given to the next one at once (stale ARP caches elsewhere would
 * misdeliver).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processRef, sleep, type ProcessRef } from '../proc.js';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface Lease {
  ip: string;
  containerId: string;
  name: string;
  /** The container's pid 1 when it was connected: gc frees the lease once it is gone. */
  pid: ProcessRef | null;
  ports: PortMapping[];
}

export interface NetworkRecord {
  name: string;
  bridge: string;
  /** e.g. "172.30.0.0/16" */
  subnet: string;
  gateway: string;
  /** Offset in the subnet where the search for the next free address starts. */
  next: number;
  leases: Record<string, Lease>;
}

export interface NetworkStore {
  networks: Record<string, NetworkRecord>;
}

export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`"${ip}" is not an IPv4 address (expected e.g. 172.30.0.2)`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "10.77.0.0/24" (a bare address is a /32); the base is masked to the prefix. */
export function parseCidr(cidr: string): Cidr {
  const [addr, len = '32'] = cidr.split('/');
  const prefix = Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`"${cidr}" has no valid prefix length (expected e.g. 10.77.0.0/24)`);
  return { base: (ipToInt(addr!) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const shorter = a.prefix <= b.prefix ? a : b;
  const other = shorter === a ? b : a;
  return contains(shorter, other.base);
}

/** The subnet's first host address: the bridge's own. */
export function gatewayOf(subnet: string): string {
  const c = parseCidr(subnet);
  if (c.prefix > 30) throw new Error(`subnet ${subnet} is too small: use a /30 or larger (e.g. /24)`);
  return intToIp(c.base + 1);
}

/** Candidates for a network without --subnet, in the order tried: 172.30, 172.31, then 10.x. */
function* candidateSubnets(): Generator<string> {
  yield '172.30.0.0/16';
  yield '172.31.0.0/16';
  for (let i = 0; i < 256; i++) yield `10.${i}.0.0/16`;
}

/** The first candidate /16 that clashes with no host route and no other byhand network. */
export function pickSubnet(hostRoutes: string[], taken: string[]): string {
  const busy = [...hostRoutes, ...taken].map(parseCidr).filter((c) => c.prefix > 0);
  for (const candidate of candidateSubnets()) {
    const c = parseCidr(candidate);
    if (!busy.some((b) => overlaps(b, c))) return candidate;
  }
  throw new Error('every candidate subnet (172.30-31.0.0/16, 10.x.0.0/16) clashes with a host route: pass --subnet');
}

/** Takes an address in the network for a container: the one asked for, or the next free one. */
export function allocate(net: NetworkRecord, lease: Omit<Lease, 'ip'>, requested?: string): string {
  const c = parseCidr(net.subnet);
  const total = size(c);
  const usable = (offset: number) => offset > 0 && offset < total - 1 && intToIp(c.base + offset) !== net.gateway && !net.leases[intToIp(c.base + offset)];
  let ip: string;
  if (requested) {
    const offset = ipToInt(requested) - c.base;
    if (!contains(c, ipToInt(requested))) throw new Error(`--ip ${requested} is outside network ${net.name}'s subnet ${net.subnet}`);
    if (!usable(offset)) throw new Error(`--ip ${requested} is taken in network ${net.name} (it is the gateway, the subnet's own or broadcast address, or leased): pick another`);
    ip = requested;
  } else {
    let found = -1;
    for (let i = 0; i < total; i++) {
      const offset = (net.next + i) % total;
      if (usable(offset)) {
        found = offset;
        break;
      }
    }
    if (found < 0) throw new Error(`network ${net.name} (${net.subnet}) has no free address left: remove a container or make a larger network`);
    ip = intToIp(c.base + found);
    net.next = (found + 1) % total;
  }
  net.leases[ip] = { ip, ...lease };
  return ip;
}

export function release(net: NetworkRecord, containerId: string): Lease | undefined {
  const lease = Object.values(net.leases).find((l) => l.containerId === containerId);
  if (lease) delete net.leases[lease.ip];
  return lease;
}

function storeDir(stateDir: string): string {
  return join(stateDir, 'networks');
}

export function readStore(stateDir: string): NetworkStore {
  const file = join(storeDir(stateDir), 'networks.json');
  if (!existsSync(file)) return { networks: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as NetworkStore;
}

/** Saves the store; withStore() does at its end, and callers holding the lock may do it earlier. */
export function writeStore(stateDir: string, store: NetworkStore): void {
  const file = join(storeDir(stateDir), 'networks.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`);
  renameSync(tmp, file); // atomic: a crash leaves the old file or the new one, never half of one
}

function readLock(lockFile: string): string | null {
  try {
    return readFileSync(lockFile, 'utf8');
  } catch {
    return null;
  }
}

/** The holder is "PID START": a pid alone would keep a killed holder alive as a zombie, or as a later process. */
function holderAlive(text: string | null): boolean {
  if (text === null) return false;
  const [pid, start] = text.split(' ').map(Number);
  if (!pid || start === undefined) return true; // being written right now
  return isAlive({ pid, start });
}

async function lock(stateDir: string): Promise<() => void> {
  const dir = storeDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockFile = join(dir, '.lock');
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      const me = processRef(process.pid);
      writeSync(fd, `${process.pid} ${me?.start ?? 0}`);
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = readLock(lockFile);
    // Removed only if it is still the dead holder's: another process may have taken it over since.
    if (!holderAlive(seen)) {
      if (readLock(lockFile) === seen) rmSync(lockFile, { force: true });
    } else if (Date.now() > end) throw new Error(`${lockFile} has been held for 30 s by a live process: wait for it, or remove the file if that process is stuck`);
    else await sleep(25);
  }
}

/** Runs fn with the store locked; what fn leaves in the store is saved, even if it throws. */
export async function withStore<T>(stateDir: string, fn: (store: NetworkStore) => Promise<T>): Promise<T> {
  const unlock = await lock(stateDir);
  try {
    const store = readStore(stateDir);
    try {
      return await fn(store);
    } finally {
      writeStore(stateDir, store);
    }
  } finally {
    unlock();
  }
}
