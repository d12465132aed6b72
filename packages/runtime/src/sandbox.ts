/** Plans a learner sandbox: the command that, run on a pty, becomes a shell inside it. */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { initHelperPath } from './paths.js';
import type { UidRange } from './userns.js';

export interface SandboxSpec {
  /** Used as the hostname inside; [a-z0-9-], at most 63 characters. */
  name: string;
  /** Absolute path of the lab image's root filesystem (the overlay's lower layer). */
  rootfs: string;
  /** Host uids/gids that root (0) and the rest inside map to. */
  ids: UidRange;
  /** Size of the tmpfs holding the overlay's upper layer, e.g. "512m". */
  upperSize: string;
  /** What to run inside, e.g. ["/bin/bash", "-l"]. */
  command: string[];
  /** The environment of the command inside (nothing is inherited). */
  env: Record<string, string>;
  /** cgroup.procs files the helper puts the sandbox in before anything runs in it. */
  cgroupProcs?: string[];
  /** -1000..1000 for every process inside: how soon the OOM killer picks them (absent: inherited). */
  oomScoreAdj?: number;
  /** A file or FIFO the helper writes its trace to, one JSON object a line (--trace-path). */
  tracePath?: string;
  /** Host paths bind-mounted inside (the target is created when missing). */
  volumes?: Volume[];
}

export interface Volume {
  /** Absolute host path. */
  source: string;
  /** Absolute path inside the sandbox. */
  target: string;
  readonly?: boolean;
}

/** Running a command inside an existing sandbox (the helper's exec mode). */
export interface ExecSpec {
  /** Host pid of the sandbox's pid 1: its namespaces and root are joined. */
  target: number;
  /** What to run inside, e.g. ["/bin/bash", "-l"]. */
  command: string[];
  /** The environment of the command inside (nothing is inherited). */
  env: Record<string, string>;
  cgroupProcs?: string[];
  tracePath?: string;
  oomScoreAdj?: number;
}

export interface Invocation {
  file: string;
  args: string[];
}

function validateCommon(spec: Pick<SandboxSpec, 'command' | 'env' | 'tracePath' | 'cgroupProcs' | 'oomScoreAdj'>): void {
  const [cmd] = spec.command;
  const adj = spec.oomScoreAdj;
  if (adj !== undefined && (!Number.isInteger(adj) || adj < -1000 || adj > 1000)) {
    throw new Error(`oomScoreAdj must be a whole number from -1000 to 1000, got ${adj}`);
  }
  if (!cmd || !cmd.startsWith('/')) throw new Error('command must start with an absolute path, e.g. /bin/bash');
  for (const key of Object.keys(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`environment variable name ${JSON.stringify(key)} is not valid`);
  }
  for (const path of [...(spec.tracePath ? [spec.tracePath] : []), ...(spec.cgroupProcs ?? [])]) {
    if (!isAbsolute(path)) throw new Error(`tracePath and cgroupProcs must be absolute paths, got ${path}`);
  }
}

/** The options both modes share, as the helper's arguments. */
function commonArgs(spec: Pick<SandboxSpec, 'env' | 'tracePath' | 'cgroupProcs' | 'oomScoreAdj'>): string[] {
  const args: string[] = [];
  if (spec.oomScoreAdj !== undefined) args.push('--oom-score-adj', String(spec.oomScoreAdj));
  for (const file of spec.cgroupProcs ?? []) args.push('--cgroup-procs', file);
  if (spec.tracePath) args.push('--trace-path', spec.tracePath);
  for (const [key, value] of Object.entries(spec.env)) args.push('--env', `${key}=${value}`);
  return args;
}

function volumeArg(v: Volume): string {
  if (!isAbsolute(v.source) || !isAbsolute(v.target)) {
    throw new Error(`volume paths must be absolute, got ${v.source} -> ${v.target}`);
  }
  if (`${v.source}${v.target}`.includes(':')) throw new Error(`volume paths must not contain ":", got ${v.source} -> ${v.target}`);
  return `${v.source}:${v.target}:${v.readonly ? 'ro' : 'rw'}`;
}

function validate(spec: SandboxSpec): void {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(spec.name)) {
    throw new Error(`sandbox name ${JSON.stringify(spec.name)} must be 1-63 of a-z, 0-9 and "-" (it becomes the hostname)`);
  }
  if (!isAbsolute(spec.rootfs)) throw new Error(`rootfs must be an absolute path, got ${spec.rootfs}`);
  let isDir = false;
  try {
    isDir = statSync(spec.rootfs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`the lab image ${spec.rootfs} does not exist: run \`npm run setup\` to build it`);
  if (!Number.isInteger(spec.ids.base) || spec.ids.base <= 0 || !Number.isInteger(spec.ids.count) || spec.ids.count <= 0) {
    throw new Error('ids must be a positive uid range: root inside must never be root outside');
  }
  if (!/^[1-9][0-9]*[kmg]?$/.test(spec.upperSize)) {
    throw new Error(`upperSize ${JSON.stringify(spec.upperSize)} must be a size such as 512m`);
  }
  validateCommon(spec);
}

/** Checks the spec and returns the native helper's command line for it. */
export function sandboxInvocation(spec: SandboxSpec): Invocation {
  validate(spec);
  const args = [
    '--hostname', spec.name,
    '--rootfs', spec.rootfs,
    '--uid-base', String(spec.ids.base),
    '--uid-count', String(spec.ids.count),
    '--upper-size', spec.upperSize,
  ];
  for (const v of spec.volumes ?? []) args.push('--volume', volumeArg(v));
  args.push(...commonArgs(spec));
  return { file: initHelperPath(), args: [...args, '--', ...spec.command] };
}

/** Checks the spec and returns the helper's command line that runs a command inside a sandbox. */
export function execInvocation(spec: ExecSpec): Invocation {
  if (!Number.isInteger(spec.target) || spec.target <= 1) {
    throw new Error(`target must be the host pid of a sandbox's pid 1, got ${spec.target}`);
  }
  validateCommon(spec);
  const args = ['exec', '--target', String(spec.target), ...commonArgs(spec)];
  return { file: initHelperPath(), args: [...args, '--', ...spec.command] };
}
