/** Looking at containers: inspect, logs, top, stats; and exec into one. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { resolveCommand } from '../lifecycle/command.js';
import { openContainerCgroup } from '../lifecycle/cgroup.js';
import { containerFiles } from '../lifecycle/files.js';
import { initHelperPath } from '../paths.js';
import { childrenOf, sleep } from '../proc.js';
import type { Container } from '../state.js';
import type { NetworkMode, PublishedPort } from '../config.js';
import { attachmentOf } from '../network/index.js';
import { bool, list, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

export function inspectJson(c: Container, stateDir: string): unknown {
  const { state: s, config: k } = c;
  const files = containerFiles(c.dir);
  return {
    Id: s.id,
    Name: s.name,
    Created: s.createdAt,
    Image: k.image,
    State: {
      Status: s.status === 'stopped' ? 'exited' : s.status,
      Running: s.status === 'running',
      Paused: s.status === 'paused',
      Pid: s.status === 'running' || s.status === 'paused' ? s.pid?.pid ?? 0 : 0,
      ExitCode: s.exitCode ?? 0,
      OOMKilled: s.oomKilled,
      Error: s.error ?? '',
      StartedAt: s.startedAt ?? '',
      FinishedAt: s.finishedAt ?? '',
    },
    Config: {
      Hostname: k.hostname, User: k.user ?? '', Env: k.env, Cmd: k.command, WorkingDir: k.workdir,
      Tty: k.tty, OpenStdin: k.interactive, Image: k.image,
    },
    Mounts: k.volumes.map((v) => ({ Type: 'bind', Source: v.source, Destination: v.target, RW: !v.readonly })),
    GraphDriver: { Name: 'overlay', Data: { LowerDir: k.layers.join(':'), UpperDir: files.upper, WorkDir: files.work } },
    CgroupPath: s.cgroupPath ?? '',
    HostConfig: {
      Memory: k.limits.memory ?? 0, MemorySwap: k.limits.memorySwap ?? 0, CpuShares: k.limits.cpuShares ?? 0,
      NanoCpus: Math.round((k.limits.cpus ?? 0) * 1e9), CpusetCpus: k.limits.cpusetCpus ?? '', PidsLimit: k.limits.pidsLimit ?? 0,
      ReadonlyRootfs: k.readonlyRootfs, Privileged: k.privileged, CapAdd: k.capabilities, AutoRemove: k.autoRemove,
      NetworkMode: networkModeText(k.network),
      PortBindings: k.network.kind === 'bridge' ? portMap(k.network.ports) : {},
      UsernsMode: k.userns.kind === 'auto' ? 'auto' : 'host', Init: k.init,
      SecurityOpt: [...(k.seccomp === 'unconfined' ? ['seccomp=unconfined'] : []), ...(k.noNewPrivileges ? ['no-new-privileges'] : [])],
    },
    NetworkSettings: networkSettings(c, stateDir),
    LogPath: files.log,
  };
}

function networkModeText(mode: NetworkMode): string {
  if (mode.kind === 'container') return `container:${mode.ref}`;
  return mode.kind === 'bridge' ? mode.network : mode.kind;
}

/** Docker's shape: {"80/tcp": [{"HostIp": "", "HostPort": "18080"}]}. */
function portMap(ports: PublishedPort[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const map: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) (map[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  return map;
}

/** The address and ports it has while it is plugged in (-P's host ports are picked then). */
function networkSettings(c: Container, stateDir: string): unknown {
  const at = attachmentOf(stateDir, c.state.id);
  if (!at) return { Networks: {}, IPAddress: '', Gateway: '', Ports: {} };
  const entry = { IPAddress: at.address, IPPrefixLen: at.prefix, Gateway: at.gateway, Bridge: at.bridge };
  return { ...entry, Ports: portMap(at.ports), Networks: { [at.network]: entry } };
}

export function inspectCommand(ctx: Context, argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help') {
    ctx.out('Usage: byhand inspect CONTAINER...\n\nPrints state, pid, exit code, OOMKilled, config, mounts and cgroup path as JSON.\n');
    return argv.length === 0 ? 125 : 0;
  }
  ctx.out(`${JSON.stringify(argv.map((ref) => inspectJson(ctx.store.find(ref), ctx.stateDir)), null, 2)}\n`);
  return 0;
}

export async function logsCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'follow', names: ['-f', '--follow'] }, { key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help') || positionals.length !== 1) {
    ctx.out('Usage: byhand logs [-f] CONTAINER\n\nPrints the output of a detached container; -f keeps following it until it stops.\n');
    return bool(flags, 'help') ? 0 : 125;
  }
  const c = ctx.store.find(positionals[0]!);
  const path = containerFiles(c.dir).log;
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r');
  let offset = 0;
  const buf = Buffer.alloc(64 * 1024);
  const drain = () => {
    let n;
    while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
      process.stdout.write(Buffer.from(buf.subarray(0, n)));
      offset += n;
    }
  };
  try {
    drain();
    while (bool(flags, 'follow')) {
      const now = ctx.store.load(c.state.id);
      if (!now || now.state.status === 'stopped') break;
      await sleep(100);
      drain();
    }
    drain();
  } finally {
    closeSync(fd);
  }
  return 0;
}

/** The container's processes: its pid 1 and everything under it (what its pid namespace holds). */
function processesOf(c: Container): number[] {
  const cgroup = openContainerCgroup(c.state);
  if (cgroup) return cgroup.pids();
  const root = c.state.pid?.pid;
  if (!root || !existsSync(`/proc/${root}`)) return [];
  const all: number[] = [];
  const walk = (pid: number) => {
    all.push(pid);
    for (const child of childrenOf(pid)) walk(child);
  };
  walk(root);
  return all;
}

function procLine(pid: number): string[] | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '?';
    const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1] ?? '?';
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return [uid, String(pid), ppid, cmd];
  } catch {
    return null;
  }
}

function requireRunning(c: Container, what: string): void {
  if (c.state.status !== 'running' && c.state.status !== 'paused') throw new CommandError(`cannot ${what} ${c.state.name}: it is ${c.state.status}`);
}

export function topCommand(ctx: Context, argv: string[]): number {
  if (argv.length !== 1 || argv[0] === '--help') {
    ctx.out('Usage: byhand top CONTAINER\n\nLists the processes of a running container, as the host numbers them.\n');
    return argv[0] === '--help' ? 0 : 125;
  }
  const c = ctx.store.find(argv[0]!);
  requireRunning(c, 'list the processes of');
  const rows = [['UID', 'PID', 'PPID', 'CMD'], ...processesOf(c).map(procLine).filter((r): r is string[] => r !== null)];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  ctx.out(rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]! + 3) : cell)).join('')).join('\n') + '\n');
  return 0;
}

interface Sample { cpuNanos: number; memory: number; limit: number | null; pids: number }

const TICK_NS = 1e9 / 100;

function sample(c: Container): Sample {
  const cgroup = openContainerCgroup(c.state);
  if (cgroup) {
    const s = cgroup.stats();
    return { cpuNanos: s.cpu.usageNs, memory: s.memory.usage, limit: s.memory.limit, pids: s.pids.current };
  }
  let cpu = 0;
  let memory = 0;
  const pids = processesOf(c);
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(f[11]) + Number(f[12])) * TICK_NS;
      memory += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // the process ended between listing and reading
    }
  }
  return { cpuNanos: cpu, memory, limit: null, pids: pids.length };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)}MiB`;
}

export async function statsCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'noStream', names: ['--no-stream'] }, { key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand stats [--no-stream] [CONTAINER...]\n\nCPU, memory and process counts of running containers.\n');
    return 0;
  }
  const pick = () => (positionals.length ? positionals.map((r) => ctx.store.find(r)) : ctx.store.list())
    .filter((c) => c.state.status === 'running' || c.state.status === 'paused');
  for (;;) {
    const containers = pick();
    const before = containers.map(sample);
    const t0 = process.hrtime.bigint();
    await sleep(500);
    const elapsed = Number(process.hrtime.bigint() - t0);
    const rows = [['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'PIDS']];
    containers.forEach((c, i) => {
      const after = sample(c);
      const cpu = ((after.cpuNanos - before[i]!.cpuNanos) / elapsed) * 100;
      rows.push([c.state.id.slice(0, 12), c.state.name, `${Math.max(0, cpu).toFixed(2)}%`,
        `${mib(after.memory)} / ${after.limit ? mib(after.limit) : 'unlimited'}`, String(after.pids)]);
    });
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    ctx.out(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n') + '\n');
    if (bool(flags, 'noStream')) return 0;
  }
}

const EXEC_FLAGS = [
  { key: 'interactive', names: ['-i', '--interactive'] },
  { key: 'tty', names: ['-t', '--tty'] },
  { key: 'detach', names: ['-d', '--detach'] },
  { key: 'env', names: ['-e', '--env'], value: true, repeat: true },
  { key: 'workdir', names: ['-w', '--workdir'], value: true },
  { key: 'user', names: ['-u', '--user'], value: true },
  { key: 'help', names: ['--help'] },
];

export async function execCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, EXEC_FLAGS, true, 1);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand exec [-i] [-t] [-e K=V] [-w DIR] [-u UID[:GID]] CONTAINER COMMAND [ARG...]\n\nRuns a command inside a running container: it joins its namespaces, cgroup and root.\n');
    return 0;
  }
  const [ref, ...command] = positionals;
  if (!ref || command.length === 0) throw new UsageError('exec needs a container and a command: byhand exec CONTAINER COMMAND');
  const c = ctx.store.find(ref);
  if (c.state.status !== 'running' || !c.state.pid) throw new CommandError(`cannot exec in ${c.state.name}: it is ${c.state.status}`);
  const env = [...c.config.env, ...list(flags, 'env')];
  const workdir = str(flags, 'workdir') ?? c.config.workdir;
  // Looked up in the container's own root, as the host sees it through /proc.
  const program = resolveCommand(command[0]!, [`/proc/${c.state.pid.pid}/root`], env, workdir);
  if (!program) {
    ctx.err(`byhand: exec: "${command[0]}": executable file not found in $PATH\n`);
    return 127;
  }
  const args = ['exec', '--target', String(c.state.pid.pid)];
  for (const e of env) args.push('--env', e);
  const user = str(flags, 'user') ?? c.config.user;
  if (user) args.push('--user', user);
  args.push('--workdir', workdir);
  args.push('--cap', c.config.privileged ? 'all' : c.config.capabilities.join(','));
  args.push('--seccomp', c.config.seccomp);
  if (c.config.noNewPrivileges) args.push('--no-new-privs');
  for (const procs of openContainerCgroup(c.state)?.procsFiles() ?? []) args.push('--cgroup-procs', procs);
  const attach = bool(flags, 'interactive') || bool(flags, 'tty');
  const child = spawn(initHelperPath(), [...args, '--', program, ...command.slice(1)], { stdio: [attach ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      ctx.err(`byhand: cannot start the runtime helper: ${err.message}\n`);
      resolve(125);
    });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
