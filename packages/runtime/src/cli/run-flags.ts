/** `run` and `create` flags, turned into a ContainerConfig. */
import { isAbsolute, resolve } from 'node:path';
import { effectiveCapabilities } from '../capabilities.js';
import { validateLimits } from '../cgroups/limits.js';
import type { ContainerConfig, NetworkMode, PublishedPort, ResourceLimits, UsernsMode, Volume } from '../config.js';
import { parsePublish } from '../network/index.js';
import { DEFAULT_NETWORK, defaultNetworkMode, parseNetworkMode } from '../network/modes.js';
import type { Image } from '../images/store.js';
import { bool, list, parseArgs, parseInteger, parseNumber, parseSize, str, UsageError, type FlagSpec, type FlagValues } from './args.js';

export const RUN_FLAGS: FlagSpec[] = [
  { key: 'rm', names: ['--rm'] },
  { key: 'detach', names: ['-d', '--detach'] },
  { key: 'interactive', names: ['-i', '--interactive'] },
  { key: 'tty', names: ['-t', '--tty'] },
  { key: 'name', names: ['--name'], value: true },
  { key: 'hostname', names: ['-h', '--hostname'], value: true },
  { key: 'env', names: ['-e', '--env'], value: true, repeat: true },
  { key: 'workdir', names: ['-w', '--workdir'], value: true },
  { key: 'entrypoint', names: ['--entrypoint'], value: true },
  { key: 'memory', names: ['-m', '--memory'], value: true },
  { key: 'memorySwap', names: ['--memory-swap'], value: true },
  { key: 'cpuShares', names: ['-c', '--cpu-shares'], value: true },
  { key: 'cpus', names: ['--cpus'], value: true },
  { key: 'cpusetCpus', names: ['--cpuset-cpus'], value: true },
  { key: 'pidsLimit', names: ['--pids-limit'], value: true },
  { key: 'volume', names: ['-v', '--volume'], value: true, repeat: true },
  { key: 'readOnly', names: ['--read-only'] },
  { key: 'user', names: ['-u', '--user'], value: true },
  { key: 'capAdd', names: ['--cap-add'], value: true, repeat: true },
  { key: 'capDrop', names: ['--cap-drop'], value: true, repeat: true },
  { key: 'privileged', names: ['--privileged'] },
  { key: 'securityOpt', names: ['--security-opt'], value: true, repeat: true },
  { key: 'userns', names: ['--userns'], value: true },
  { key: 'network', names: ['--network', '--net'], value: true },
  { key: 'ip', names: ['--ip'], value: true },
  { key: 'publish', names: ['-p', '--publish'], value: true, repeat: true },
  { key: 'publishAll', names: ['-P', '--publish-all'] },
  { key: 'init', names: ['--init'] },
  { key: 'noInit', names: ['--no-init'] },
  { key: 'rootfs', names: ['--rootfs'], value: true },
  { key: 'step', names: ['--step'] },
  { key: 'help', names: ['--help'] },
];

export const RUN_HELP = `Usage: byhand run [OPTIONS] IMAGE [COMMAND] [ARG...]
       byhand run [OPTIONS] --rootfs DIR COMMAND [ARG...]

Runs a command in a new container (byhand create + start, attached).

  --rm                   remove the container when it exits
  -d, --detach           run in the background and print its id; output goes to byhand logs
  -i, --interactive      keep stdin open
  -t, --tty              run attached to this terminal (when stdin is one)
  --name NAME            name it (unique)
  -h, --hostname NAME    its hostname (default: the first 12 characters of its id)
  -e, --env KEY=VALUE    set an environment variable (repeatable)
  -w, --workdir DIR      working directory inside
  --entrypoint CMD       program to run, before COMMAND's arguments
  -u, --user UID[:GID]   run as this user
  -v, --volume SRC:DST[:ro]   bind-mount a host directory (repeatable)
  --read-only            mount the root filesystem read-only
  -m, --memory SIZE      memory limit, e.g. 64m
  --memory-swap SIZE     memory plus swap limit (-1: unlimited swap)
  -c, --cpu-shares N     relative CPU weight (default 1024)
  --cpus N               CPUs' worth of time, e.g. 0.5
  --cpuset-cpus LIST     CPUs to run on, e.g. 0 or 0-1
  --pids-limit N         at most N processes
  --cap-add CAP, --cap-drop CAP   adjust Docker's default 14 capabilities (ALL for all)
  --privileged           every capability, no masked paths, no seccomp
  --security-opt seccomp=unconfined | no-new-privileges
  --userns host|auto     auto: root inside is an unprivileged id range outside (as sandboxes do)
  --network MODE         bridge: a netns of its own on bridge byhand0, NAT out (the default on a host)
                         NAME: the same on a network from \`byhand network create\`
                         none: only lo (the default inside a learner's sandbox, unless --ip or -p)
                         host: the host's interfaces; container:NAME: NAME's network namespace
                         Containers on one network reach each other by address and by --name.
  --ip ADDR              this address in the network's subnet, e.g. --network lab --ip 10.77.0.10
  -p, --publish HOST:CONTAINER[/tcp|udp]   forward the host's port to the container's (repeatable)
  -P, --publish-all      publish every port the image exposes, each on a free host port from 49153
  --init, --no-init      run a small init as pid 1 (default: the command is pid 1)
  --rootfs DIR           use DIR as the image instead of a stored image
  --step                 pause before each step of making the container (Enter: run it,
                         c: continue to the end, q: abort and remove everything)
`;

function parseVolume(text: string): Volume {
  const parts = text.split(':');
  const [source, target, mode] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !target || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new UsageError(`-v needs HOST_DIR:CONTAINER_DIR[:ro], got ${JSON.stringify(text)}`);
  }
  if (!isAbsolute(target)) throw new UsageError(`-v ${text}: the container path must be absolute`);
  return { source: resolve(source), target, readonly: mode === 'ro' };
}

function parseLimits(f: FlagValues): ResourceLimits {
  const limits: ResourceLimits = {};
  const memory = str(f, 'memory');
  if (memory) limits.memory = parseSize('-m', memory);
  const swap = str(f, 'memorySwap');
  if (swap) limits.memorySwap = swap === '-1' ? -1 : parseSize('--memory-swap', swap);
  const shares = str(f, 'cpuShares');
  if (shares) limits.cpuShares = parseInteger('-c', shares);
  const cpus = str(f, 'cpus');
  if (cpus) limits.cpus = parseNumber('--cpus', cpus);
  const cpuset = str(f, 'cpusetCpus');
  if (cpuset) limits.cpusetCpus = cpuset;
  const pids = str(f, 'pidsLimit');
  if (pids) limits.pidsLimit = parseInteger('--pids-limit', pids);
  return limits;
}

/** "80/tcp" or "53/udp", as images list their exposed ports, published on a host port -P picks (0). */
function exposedPort(text: string): PublishedPort {
  const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(text);
  if (!m) throw new UsageError(`-P: the image exposes ${JSON.stringify(text)}, which is not PORT[/tcp|udp]`);
  return { hostPort: 0, containerPort: Number(m[1]), protocol: (m[2] ?? 'tcp') as 'tcp' | 'udp' };
}

function parseNetwork(f: FlagValues, exposed: string[]): NetworkMode {
  const ip = str(f, 'ip');
  const publishing = list(f, 'publish').length > 0 || bool(f, 'publishAll');
  let mode;
  try {
    // Asking for an address or a published port asks for a bridge, whatever the default is here.
    mode = parseNetworkMode(str(f, 'network') ?? (ip || publishing ? DEFAULT_NETWORK : defaultNetworkMode()));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (mode.kind !== 'bridge') {
    if (ip || publishing) throw new UsageError(`--ip, -p and -P need a bridge network (--network bridge or NAME), not --network ${str(f, 'network') ?? mode.kind}`);
    return mode.kind === 'container' ? { kind: 'container', ref: mode.container } : { kind: mode.kind };
  }
  const ports = list(f, 'publish').map((spec) => {
    try {
      return parsePublish(spec);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  if (bool(f, 'publishAll')) {
    if (exposed.length === 0) throw new UsageError('-P publishes the ports the image exposes, and this image exposes none: name them with -p HOST:CONTAINER');
    ports.push(...exposed.map(exposedPort));
  }
  if (ip && !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new UsageError(`--ip ${ip}: expected an IPv4 address such as 10.77.0.10`);
  return { kind: 'bridge', network: mode.network, ...(ip ? { ip } : {}), ports };
}

function parseSecurity(opts: string[]): { seccomp: 'default' | 'unconfined'; noNewPrivileges: boolean } {
  const result = { seccomp: 'default' as 'default' | 'unconfined', noNewPrivileges: false };
  for (const opt of opts) {
    if (opt === 'seccomp=unconfined' || opt === 'seccomp:unconfined') result.seccomp = 'unconfined';
    else if (opt === 'no-new-privileges' || opt === 'no-new-privileges:true' || opt === 'no-new-privileges=true') result.noNewPrivileges = true;
    else throw new UsageError(`--security-opt ${opt}: use seccomp=unconfined or no-new-privileges`);
  }
  return result;
}

export interface RunRequest {
  flags: FlagValues;
  /** The image name, or null with --rootfs. */
  image: string | null;
  args: string[];
}

export function parseRunArgs(argv: string[]): RunRequest {
  // With --rootfs there is no image name, so the command starts at the first positional.
  const pre = parseArgs(argv, RUN_FLAGS, true, 1);
  const withRootfs = typeof pre.flags.rootfs === 'string';
  if (withRootfs) return { flags: pre.flags, image: null, args: pre.positionals };
  const [image, ...args] = pre.positionals;
  if (!image && !bool(pre.flags, 'help')) throw new UsageError('run needs an image: byhand run [OPTIONS] IMAGE [COMMAND]');
  return { flags: pre.flags, image: image ?? null, args };
}

export interface ConfigContext {
  image: Image | null;
  id: string;
  /** Picks an unused id range for --userns=auto. */
  allocateIds: () => { base: number; count: number };
}

export function buildConfig(req: RunRequest, ctx: ConfigContext): ContainerConfig {
  const f = req.flags;
  const rootfs = str(f, 'rootfs');
  const layers = rootfs ? [resolve(rootfs)] : ctx.image!.layers;
  const imageConfig = ctx.image?.config ?? { cmd: [], entrypoint: [], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workdir: '/' };
  // As Docker does it: --entrypoint replaces the image's entrypoint and drops the image's CMD.
  const flagEntrypoint = str(f, 'entrypoint');
  const entrypoint = flagEntrypoint !== undefined ? [flagEntrypoint].filter(Boolean) : imageConfig.entrypoint;
  const args = req.args.length > 0 ? req.args : flagEntrypoint !== undefined ? [] : imageConfig.cmd;
  const command = [...entrypoint, ...args];
  const env = [...imageConfig.env];
  for (const e of list(f, 'env')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e)) throw new UsageError(`-e needs KEY=VALUE, got ${JSON.stringify(e)}`);
    const key = e.slice(0, e.indexOf('=') + 1);
    const at = env.findIndex((x) => x.startsWith(key));
    if (at >= 0) env[at] = e;
    else env.push(e);
  }
  const usernsText = str(f, 'userns') ?? 'host';
  if (usernsText !== 'host' && usernsText !== 'auto') throw new UsageError(`--userns ${usernsText}: use host or auto`);
  const userns: UsernsMode = usernsText === 'auto' ? { kind: 'auto', ...ctx.allocateIds() } : { kind: 'host' };
  const privileged = bool(f, 'privileged');
  const security = parseSecurity(list(f, 'securityOpt'));
  let capabilities: string[];
  try {
    capabilities = effectiveCapabilities({ add: list(f, 'capAdd'), drop: list(f, 'capDrop'), privileged });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const workdir = str(f, 'workdir') ?? imageConfig.workdir;
  if (!workdir.startsWith('/')) throw new UsageError(`-w ${workdir}: the working directory must be absolute`);
  const hostname = str(f, 'hostname') ?? ctx.id.slice(0, 12);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(hostname)) throw new UsageError(`--hostname ${hostname}: use letters, digits, "." and "-", at most 63`);
  const user = str(f, 'user') ?? null;
  if (user !== null && !/^[0-9]+(:[0-9]+)?$/.test(user)) throw new UsageError(`--user ${user}: give a numeric UID or UID:GID`);
  const limits = parseLimits(f);
  try {
    validateLimits(limits);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    image: req.image,
    layers,
    command,
    env,
    workdir,
    hostname,
    user,
    tty: bool(f, 'tty'),
    interactive: bool(f, 'interactive'),
    readonlyRootfs: bool(f, 'readOnly'),
    volumes: list(f, 'volume').map(parseVolume),
    capabilities,
    privileged,
    seccomp: privileged ? 'unconfined' : security.seccomp,
    noNewPrivileges: security.noNewPrivileges,
    userns,
    network: parseNetwork(f, ctx.image?.config.exposedPorts ?? []),
    init: bool(f, 'init') && !bool(f, 'noInit'),
    limits,
    autoRemove: bool(f, 'rm'),
  };
}
