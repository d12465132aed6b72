/** An OCI bundle (a directory with config.json and, usually, rootfs/) as a byhand container plan. */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { normalizeCapability } from '../capabilities.js';
import type { ContainerConfig, ResourceLimits, Volume } from '../config.js';
import { CPU_PERIOD_US } from '../cgroups/limits.js';
import type { OciSpec } from './spec.js';

const NS_KIND: Record<string, string> = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };

export function readBundle(bundleDir: string): OciSpec {
  const path = join(bundleDir, 'config.json');
  if (!existsSync(path)) throw new Error(`${path} does not exist: make one with byhand oci spec --bundle ${bundleDir}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as OciSpec;
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function limitsOf(spec: OciSpec): ResourceLimits {
  const r = spec.linux?.resources ?? {};
  const limits: ResourceLimits = {};
  if (r.memory?.limit) limits.memory = r.memory.limit;
  if (r.memory?.swap) limits.memorySwap = r.memory.swap;
  if (r.cpu?.shares) limits.cpuShares = r.cpu.shares;
  if (r.cpu?.quota && r.cpu.quota > 0) limits.cpus = r.cpu.quota / (r.cpu.period ?? CPU_PERIOD_US);
  if (r.cpu?.cpus) limits.cpusetCpus = r.cpu.cpus;
  if (r.pids?.limit) limits.pidsLimit = r.pids.limit;
  return limits;
}

function volumesOf(spec: OciSpec, bundle: string): Volume[] {
  return (spec.mounts ?? [])
    .filter((m) => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind'))
    .map((m) => ({ source: resolve(bundle, m.source ?? ''), target: m.destination, readonly: (m.options ?? []).includes('ro') }));
}

export function bundleConfig(bundleDir: string): ContainerConfig {
  const bundle = resolve(bundleDir);
  const spec = readBundle(bundle);
  const args = spec.process?.args ?? [];
  if (args.length === 0) throw new Error(`${join(bundle, 'config.json')}: process.args is empty; name the command to run`);
  if (!spec.root?.path) throw new Error(`${join(bundle, 'config.json')}: root.path is missing`);
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : join(bundle, spec.root.path);
  if (!existsSync(rootfs)) throw new Error(`the bundle's root filesystem ${rootfs} does not exist`);
  const namespaces = spec.linux?.namespaces ?? [];
  const has = (type: string) => namespaces.some((n) => n.type === type);
  const joins = namespaces.filter((n) => n.path).map((n) => `${NS_KIND[n.type]}:${n.path}`);
  const uidMap = spec.linux?.uidMappings?.find((m) => m.containerID === 0);
  const user = spec.process?.user;
  return {
    image: null,
    layers: [rootfs],
    command: args,
    env: spec.process?.env ?? [],
    workdir: spec.process?.cwd ?? '/',
    hostname: spec.hostname ?? 'byhand',
    user: user && (user.uid !== 0 || user.gid !== 0) ? `${user.uid}:${user.gid}` : null,
    tty: spec.process?.terminal ?? false,
    interactive: spec.process?.terminal ?? false,
    readonlyRootfs: spec.root.readonly ?? false,
    volumes: volumesOf(spec, bundle),
    capabilities: (spec.process?.capabilities?.bounding ?? []).map(normalizeCapability),
    privileged: false,
    seccomp: 'default',
    noNewPrivileges: spec.process?.noNewPrivileges ?? false,
    userns: has('user') && uidMap ? { kind: 'auto', base: uidMap.hostID, count: uidMap.size } : { kind: 'host' },
    network: has('network') ? { kind: 'none' } : { kind: 'host' },
    init: false,
    limits: limitsOf(spec),
    autoRemove: false,
    bundle,
    joins,
  };
}
