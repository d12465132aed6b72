/** A container's plan as the byhand-init helper's command line (see native/config.c for each option). */
import type { ContainerConfig } from '../config.js';

export interface HelperFiles {
  upper: string;
  work: string;
  pidFile: string;
  /** Set for `create`: the helper waits on it until `start`. */
  waitFifo?: string;
  /** cgroup.procs files the container's processes join (one per v1 controller, one on v2). */
  cgroupProcs: string[];
  /** Where trace events go, as JSON lines. */
  traceFd?: number;
  /** Namespaces to join, as KIND:PATH (e.g. net:/proc/42/ns/net). */
  joins: string[];
}

const NAMESPACES = ['mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup'];

export function namespacesOf(config: ContainerConfig): string[] {
  const joined = new Set((config.joins ?? []).map((j) => j.split(':')[0]));
  const wanted = config.userns.kind === 'auto' ? ['user', ...NAMESPACES] : NAMESPACES;
  return wanted.filter((ns) => !(ns === 'net' && config.network.kind === 'host') && !joined.has(ns));
}

export function helperArgs(config: ContainerConfig, files: HelperFiles, command: string[]): string[] {
  const args: string[] = [];
  for (const layer of config.layers) args.push('--layer', layer);
  args.push('--upper', files.upper, '--work', files.work);
  if (config.userns.kind === 'auto') args.push('--uid-base', String(config.userns.base), '--uid-count', String(config.userns.count));
  else args.push('--no-userns');
  args.push('--namespaces', namespacesOf(config).join(','));
  for (const join of files.joins) args.push('--join', join);
  if (config.readonlyRootfs) args.push('--readonly-rootfs');
  for (const v of config.volumes) args.push('--volume', `${v.source}:${v.target}${v.readonly ? ':ro' : ''}`);
  if (!config.privileged) args.push('--mask-paths');
  args.push('--cap', config.privileged ? 'all' : config.capabilities.join(','));
  args.push('--seccomp', config.seccomp);
  if (config.noNewPrivileges) args.push('--no-new-privs');
  if (config.user) args.push('--user', config.user);
  args.push('--workdir', config.workdir);
  args.push('--pid-file', files.pidFile);
  for (const procs of files.cgroupProcs) args.push('--cgroup-procs', procs);
  if (!config.init) args.push('--no-init');
  if (files.waitFifo) args.push('--wait-fifo', files.waitFifo);
  if (files.traceFd !== undefined) args.push('--trace-fd', String(files.traceFd));
  args.push('--hostname', config.hostname);
  for (const e of config.env) args.push('--env', e);
  return [...args, '--', ...command];
}
